#pragma once
/// \file Serializes the final JSON line with plain decimal numbers (`577.4`, not Boost.JSON's
/// `5.774E2`), so the line reads well in a terminal and in bench/RESULTS.md. Doubles are printed
/// with at most three decimals; every loadgen figure is rounded to that anyway.
#include <boost/json/value.hpp>
#include <string>

namespace cohost::loadgen {

[[nodiscard]] std::string to_json_line(const boost::json::value& v);

}  // namespace cohost::loadgen
