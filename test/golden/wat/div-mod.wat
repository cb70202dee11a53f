;; (:.&&) DivU ModU
;; (); (Int, Int) -> (Int, Int)
(module
 (type $0 (func (result i32)))
 (type $1 (func))
 (type $2 (func (param i64 i32) (result i64)))
 (type $3 (func (param i32 i32)))
 (type $4 (func (param i32) (result i32)))
 (type $5 (func (param i32 i32 i32) (result i64)))
 (type $6 (func (param i64 i32) (result i32)))
 (type $7 (func (param i32 i32) (result i32)))
 (type $8 (func (param i32)))
 (type $9 (func (param i64)))
 (import "env" "memory" (memory $memory 1))
 (import "rt" "rtItemBegin" (func $rtItemBegin))
 (import "rt" "rtDecode" (func $rtDecode (param i32 i32 i32) (result i64)))
 (import "rt" "rtRaise" (func $rtRaise (param i32 i32)))
 (import "rt" "rtAlloc" (func $rtAlloc (param i32) (result i32)))
 (import "rt" "rtEncode" (func $rtEncode (param i64 i32) (result i32)))
 (import "rt" "rtEncodedLength" (func $rtEncodedLength (result i32)))
 (import "rt" "rtCommit" (func $rtCommit (param i64 i32) (result i64)))
 (import "rt" "rtInit" (func $rtInit (param i32)))
 (import "rt" "rtAdopt" (func $rtAdopt (param i64 i32) (result i64)))
 (import "rt" "rtCollect" (func $rtCollect (param i64 i32) (result i64)))
 (import "rt" "rtBegin" (func $rtBegin (param i32) (result i32)))
 (import "rt" "rtAbort" (func $rtAbort))
 (import "rt" "rtErrorCode" (func $rtErrorCode (result i32)))
 (import "rt" "rtErrorMessage" (func $rtErrorMessage (result i32)))
 (import "rt" "rtHeapUsed" (func $rtHeapUsed (result i32)))
 (import "rt" "rtLiveBytes" (func $rtLiveBytes (result i32)))
 (import "rt" "rtCollections" (func $rtCollections (result i32)))
 (global $state (mut i64) (i64.const 0))
 (global $budget (mut i64) (i64.const 0))
 (data $0 (i32.const 67520) "\01\00\00\00\04\00\00\00\c0\07\01\00\c0\07\01\00\81\00\00\00\10\00\00\00division by zero\00\00\00\00")
 (export "init" (func $init))
 (export "step" (func $step))
 (export "setState" (func $setState))
 (export "getState" (func $getState))
 (export "collect" (func $collect))
 (export "setFuel" (func $setFuel))
 (export "begin" (func $rtBegin))
 (export "abort" (func $rtAbort))
 (export "encodedLength" (func $rtEncodedLength))
 (export "errorCode" (func $rtErrorCode))
 (export "errorMessage" (func $rtErrorMessage))
 (export "heapUsed" (func $rtHeapUsed))
 (export "liveBytes" (func $rtLiveBytes))
 (export "collections" (func $rtCollections))
 (func $step (param $0 i32) (param $1 i32) (result i32)
  (local $2 i64)
  (local $3 i64)
  (local $4 i64)
  (local $5 i64)
  (call $rtItemBegin)
  (local.set $5
   (global.get $state)
  )
  (local.set $3
   (i64.load offset=8
    (i32.wrap_i64
     (local.tee $2
      (call $rtDecode
       (local.get $0)
       (local.get $1)
       (i32.const 67524)
      )
     )
    )
   )
  )
  (if
   (i64.eqz
    (local.tee $4
     (i64.load offset=16
      (i32.wrap_i64
       (local.get $2)
      )
     )
    )
   )
   (then
    (call $rtRaise
     (i32.const 2)
     (i32.const 67536)
    )
    (unreachable)
   )
  )
  (local.set $3
   (if (result i64)
    (i64.eq
     (local.get $4)
     (i64.const -1)
    )
    (then
     (i64.sub
      (i64.const 0)
      (local.get $3)
     )
    )
    (else
     (i64.div_s
      (local.get $3)
      (local.get $4)
     )
    )
   )
  )
  (local.set $4
   (i64.load offset=8
    (i32.wrap_i64
     (local.get $2)
    )
   )
  )
  (if
   (i64.eqz
    (local.tee $2
     (i64.load offset=16
      (i32.wrap_i64
       (local.get $2)
      )
     )
    )
   )
   (then
    (call $rtRaise
     (i32.const 2)
     (i32.const 67536)
    )
    (unreachable)
   )
  )
  (local.set $2
   (i64.rem_s
    (local.get $4)
    (local.get $2)
   )
  )
  (i32.store
   (local.tee $0
    (call $rtAlloc
     (i32.const 24)
    )
   )
   (i32.const 18)
  )
  (i32.store offset=4
   (local.get $0)
   (i32.const 0)
  )
  (i64.store offset=8
   (local.get $0)
   (local.get $3)
  )
  (i64.store offset=16
   (local.get $0)
   (local.get $2)
  )
  (i32.store
   (i32.const 1984)
   (call $rtEncode
    (i64.extend_i32_u
     (local.get $0)
    )
    (i32.const 67524)
   )
  )
  (i32.store
   (i32.const 1988)
   (call $rtEncodedLength)
  )
  (global.set $state
   (call $rtCommit
    (local.get $5)
    (i32.const 0)
   )
  )
  (i32.load
   (i32.const 1988)
  )
 )
 (func $init
  (call $rtInit
   (i32.const 67568)
  )
  (global.set $state
   (i64.const 0)
  )
 )
 (func $setState (param $0 i32) (param $1 i32)
  (call $rtItemBegin)
  (global.set $state
   (call $rtAdopt
    (call $rtDecode
     (local.get $0)
     (local.get $1)
     (i32.const 67560)
    )
    (i32.const 0)
   )
  )
 )
 (func $setFuel (param $0 i64)
  (global.set $budget
   (local.get $0)
  )
 )
 (func $getState (result i32)
  (call $rtEncode
   (global.get $state)
   (i32.const 67560)
  )
 )
 (func $collect
  (global.set $state
   (call $rtCollect
    (global.get $state)
    (i32.const 0)
   )
  )
 )
)
