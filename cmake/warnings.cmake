# Warnings for our own targets only (never for generated or third-party code).
function(cohost_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Werror
    # Boost.Beast/Asio headers trip these under g++ 12; keep them visible but not fatal.
    -Wno-error=maybe-uninitialized -Wno-error=restrict)
endfunction()
