;; ComposeU (ComposeU (ShowU (UTEither UTInt UTUnit)) (CaseU GetU (ComposeU (ComposeU PutU IncrU) GetU))) (ReadU (UTEither UTUnit UTUnit))
;; Int; String -> String
(module
 (type $0 (func (result i32)))
 (type $1 (func))
 (type $2 (func (param i64 i32) (result i64)))
 (type $3 (func (param i64)))
 (type $4 (func (param i32)))
 (type $5 (func (param i32 i32)))
 (type $6 (func (param i32 i32 i32) (result i64)))
 (type $7 (func (param i64 i32 i32 i32) (result i64)))
 (type $8 (func (param i64 i32 i32)))
 (type $9 (func (result i64)))
 (type $10 (func (param i64 i32) (result i32)))
 (type $11 (func (param i32 i32) (result i32)))
 (type $12 (func (param i32) (result i32)))
 (import "env" "memory" (memory $memory 1))
 (import "rt" "rtItemBegin" (func $rtItemBegin))
 (import "rt" "rtDecode" (func $rtDecode (param i32 i32 i32) (result i64)))
 (import "rt" "rtReadKnown" (func $rtReadKnown (param i64 i32 i32 i32) (result i64)))
 (import "rt" "rtShowStart" (func $rtShowStart (param i64)))
 (import "rt" "rtShowText" (func $rtShowText (param i32)))
 (import "rt" "rtShowNext" (func $rtShowNext (param i64 i32 i32)))
 (import "rt" "rtShowFinish" (func $rtShowFinish (result i64)))
 (import "rt" "rtRaise" (func $rtRaise (param i32 i32)))
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
 (data $0 (i32.const 67520) "\03\00\00\00\00\00\00\00\05\00\00\00\c4\07\01\00\c4\07\01\00\00\00\00\00\f1\00\00\00\1e\00\00\00Read: no parse as Either () ()\00\009\00\00\00\07\00\00\00Left ()\00\03\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00A\00\00\00\08\00\00\00Right ()\03\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00\00\08\01\00\00\00\00\00\10\08\01\00\00\00\00\00 \08\01\00\00\00\00\000\08\01\00\00\00\00\00)\00\00\00\05\00\00\00Left \00\00\00\01\00\00\00")
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
  (local.set $4
   (global.get $budget)
  )
  (local.set $2
   (global.get $state)
  )
  (if
   (local.tee $0
    (i32.load offset=4
     (i32.wrap_i64
      (call $rtReadKnown
       (call $rtDecode
        (local.get $0)
        (local.get $1)
        (i32.const 67520)
       )
       (i32.const 67528)
       (i32.const 67544)
       (i32.const 67648)
      )
     )
    )
   )
   (then
    (local.set $2
     (i64.add
      (local.get $2)
      (i64.const 1)
     )
    )
   )
   (else
    (local.set $3
     (local.get $2)
    )
   )
  )
  (if
   (i64.gt_u
    (local.tee $5
     (i64.shr_u
      (i64.load32_s offset=4
       (i32.wrap_i64
        (local.tee $3
         (if (result i64)
          (local.get $0)
          (then
           (i64.const 67616)
          )
          (else
           (call $rtShowStart
            (i64.shl
             (i64.add
              (local.get $4)
              (i64.const 1)
             )
             (i64.const 6)
            )
           )
           (call $rtShowText
            (i32.const 67688)
           )
           (call $rtShowNext
            (local.get $3)
            (i32.const 67704)
            (i32.const 1)
           )
           (call $rtShowFinish)
          )
         )
        )
       )
      )
      (i64.const 6)
     )
    )
    (local.get $4)
   )
   (then
    (call $rtRaise
     (i32.const 3)
     (i32.const 0)
    )
    (unreachable)
   )
  )
  (i32.store
   (i32.const 1984)
   (call $rtEncode
    (local.get $3)
    (i32.const 67520)
   )
  )
  (i32.store
   (i32.const 1988)
   (call $rtEncodedLength)
  )
  (global.set $state
   (call $rtCommit
    (local.get $2)
    (i32.const 0)
   )
  )
  (i32.load
   (i32.const 1988)
  )
 )
 (func $init
  (call $rtInit
   (i32.const 67712)
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
     (i32.const 67704)
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
   (i32.const 67704)
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
