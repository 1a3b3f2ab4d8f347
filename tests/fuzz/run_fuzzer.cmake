# Runs one libFuzzer target for a fixed number of runs (ctest driver; see CMakeLists.txt).
#   cmake -DEXE=<fuzzer> -DSEEDS=<seed dir> -DWORK=<scratch dir> -DRUNS=<n> -DSEED=<n> -P run_fuzzer.cmake
# libFuzzer writes new inputs into the first corpus directory, so that is a fresh scratch
# directory in the build tree and the checked-in seeds are only read. A crash leaves the input
# in <scratch>/artifacts/ and fails the test.
foreach(v EXE SEEDS WORK RUNS SEED)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${v}= is required")
  endif()
endforeach()
if(NOT EXISTS ${EXE})
  message(FATAL_ERROR "${EXE} is missing: build the cohost_fuzz target first")
endif()

file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
execute_process(
  COMMAND ${EXE} -runs=${RUNS} -seed=${SEED} -max_len=4096 -timeout=10 -print_final_stats=1
          -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus ${SEEDS}
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} failed (${rc}); reproducer in ${WORK}/artifacts/")
endif()
