// The whole of Boost.JSON, compiled once into the fuzz build with the sanitizer and coverage
// instrumentation (see CMakeLists.txt for why the shared library is not linked instead).
#include <boost/json/src.hpp>
