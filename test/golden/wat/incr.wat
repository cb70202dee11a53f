;; IncrU
;; Int; Int -> Int
(module
 (type $0 (func (result i32)))
 (type $1 (func))
 (type $2 (func (param i64 i32) (result i64)))
 (type $3 (func (param i32 i32 i32) (result i64)))
 (type $4 (func (param i64 i32) (result i32)))
 (type $5 (func (param i32 i32 i64) (result i32)))
 (type $6 (func (param i32)))
 (type $7 (func (param i32 i32)))
 (type $8 (func (param i32) (result i32)))
 (import "env" "memory" (memory $memory 1))
 (import "rt" "rtDecode" (func $rtDecode (param i32 i32 i32) (result i64)))
 (import "rt" "rtEncode" (func $rtEncode (param i64 i32) (result i32)))
 (import "rt" "rtCommit" (func $rtCommit (param i64 i32) (result i64)))
 (import "rt" "rtInit" (func $rtInit (param i32)))
 (import "rt" "rtCollect" (func $rtCollect (param i64 i32) (result i64)))
 (import "rt" "rtBegin" (func $rtBegin (param i32) (result i32)))
 (import "rt" "rtAbort" (func $rtAbort))
 (import "rt" "rtEncodedLength" (func $rtEncodedLength (result i32)))
 (import "rt" "rtErrorCode" (func $rtErrorCode (result i32)))
 (import "rt" "rtErrorMessage" (func $rtErrorMessage (result i32)))
 (import "rt" "rtHeapUsed" (func $rtHeapUsed (result i32)))
 (import "rt" "rtLiveBytes" (func $rtLiveBytes (result i32)))
 (import "rt" "rtCollections" (func $rtCollections (result i32)))
 (global $state (mut i64) (i64.const 0))
 (data $0 (i32.const 1984) "\01\00\00\00")
 (export "init" (func $init))
 (export "step" (func $step))
 (export "setState" (func $setState))
 (export "getState" (func $getState))
 (export "collect" (func $collect))
 (export "begin" (func $rtBegin))
 (export "abort" (func $rtAbort))
 (export "encodedLength" (func $rtEncodedLength))
 (export "errorCode" (func $rtErrorCode))
 (export "errorMessage" (func $rtErrorMessage))
 (export "heapUsed" (func $rtHeapUsed))
 (export "liveBytes" (func $rtLiveBytes))
 (export "collections" (func $rtCollections))
 (func $step (param $0 i32) (param $1 i32) (param $2 i64) (result i32)
  (local.set $2
   (global.get $state)
  )
  (local.set $0
   (call $rtEncode
    (i64.add
     (call $rtDecode
      (local.get $0)
      (local.get $1)
      (i32.const 1984)
     )
     (i64.const 1)
    )
    (i32.const 1984)
   )
  )
  (global.set $state
   (call $rtCommit
    (local.get $2)
    (i32.const 0)
   )
  )
  (local.get $0)
 )
 (func $init
  (call $rtInit
   (i32.const 2000)
  )
  (global.set $state
   (i64.const 0)
  )
 )
 (func $setState (param $0 i32) (param $1 i32)
  (global.set $state
   (call $rtCollect
    (call $rtDecode
     (local.get $0)
     (local.get $1)
     (i32.const 1984)
    )
    (i32.const 0)
   )
  )
 )
 (func $getState (result i32)
  (call $rtEncode
   (global.get $state)
   (i32.const 1984)
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
