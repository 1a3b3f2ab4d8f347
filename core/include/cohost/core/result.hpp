#pragma once
/// \file Result vocabulary shared by every module.
///
/// Expected failures are return values (style.md, tier 2): `Result<T>` carries either a value or a
/// `boost::system::error_code`. Control-plane rules that need a payload (an HTTP status, details)
/// use `cohost::server::rooms::Error` instead; this header covers the codecs and helpers of `core`.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace cohost {

template <class T>
using Result = boost::system::result<T>;  // E = boost::system::error_code

}  // namespace cohost
