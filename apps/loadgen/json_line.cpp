#include "json_line.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>

namespace cohost::loadgen {

namespace {

void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", d);
    std::string s(buf);
    while (s.back() == '0') {
        s.pop_back();
    }
    if (s.back() == '.') {
        s.pop_back();
    }
    out += s == "-0" ? "0" : s;
}

void append(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::object: {
            out += '{';
            bool first = true;
            for (const auto& [k, x] : v.get_object()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                out += boost::json::serialize(boost::json::string(k));
                out += ':';
                append(out, x);
            }
            out += '}';
            break;
        }
        case boost::json::kind::array: {
            out += '[';
            bool first = true;
            for (const auto& x : v.get_array()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                append(out, x);
            }
            out += ']';
            break;
        }
        case boost::json::kind::double_:
            append_double(out, v.get_double());
            break;
        default:
            out += boost::json::serialize(v);  // strings, integers, bool, null
            break;
    }
}

}  // namespace

std::string to_json_line(const boost::json::value& v) {
    std::string out;
    append(out, v);
    return out;
}

}  // namespace cohost::loadgen
