# check_pure_sources(files...): fails the configure step when one of the
# files includes a folder of ours with side effects (store/, virt/, crypto/,
# actors/, api/, cli/) or a header that does I/O, keeps time or starts
# threads. engine/ calls it on its sources: the core stays pure.
function(check_pure_sources)
  foreach(source ${ARGN})
    file(STRINGS ${source} bad_includes REGEX
         "^#include [\"<](store|virt|crypto|actors|api|cli)/|^#include <(SQLiteCpp|sqlite3|libvirt|sodium|spdlog|fstream|thread|filesystem|chrono)")
    if(bad_includes)
      message(FATAL_ERROR "engine/ stays pure: ${source} has ${bad_includes}")
    endif()
  endforeach()
endfunction()
