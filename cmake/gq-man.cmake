# Writes one man page at build time: runs PROGRAM --help-man into OUTPUT.
# The page comes from the program's own option table (src/cli/args_man.c),
# so it always lists exactly the options the program accepts.
#
#   cmake -DPROGRAM=path/to/gq-inspect -DOUTPUT=man/gq-inspect.1 [-DEMULATOR=...] -P gq-man.cmake
if(NOT PROGRAM OR NOT OUTPUT)
  message(FATAL_ERROR "gq-man.cmake needs -DPROGRAM=... and -DOUTPUT=...")
endif()
get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
# Write to a temporary name first so a failed run never leaves a page
# that looks up to date.
execute_process(COMMAND ${EMULATOR} "${PROGRAM}" --help-man
  OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "${PROGRAM} --help-man failed (${rc}): ${err}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
