#include "cohost/core/clock.hpp"

namespace cohost::core {

TimePoint SystemClock::now() const noexcept {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace cohost::core
