#include "ppio_sandbox/core/time.hpp"

#include <cctype>
#include <ctime>
#include <stdexcept>

namespace ppio_sandbox::core {

std::string format_rfc3339(Timestamp t) {
  using namespace std::chrono;
  const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms_total / 1000);
  auto ms = ms_total % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ" by hand: snprintf costs more than the rest of a GET.
  std::string out = "0000-00-00T00:00:00.000Z";
  const auto put = [&out](std::size_t at, int width, long value) {
    for (int i = width - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, tm.tm_year + 1900L);
  put(5, 2, tm.tm_mon + 1L);
  put(8, 2, tm.tm_mday);
  put(11, 2, tm.tm_hour);
  put(14, 2, tm.tm_min);
  put(17, 2, tm.tm_sec);
  put(20, 3, static_cast<long>(ms));
  return out;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  int digits(std::size_t count) {
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) fail();
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }
  void expect(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) fail();
    ++pos_;
  }
  bool accept(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_digit() const { return pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])); }
  bool done() const { return pos_ == text_.size(); }
  [[noreturn]] void fail() const { throw std::invalid_argument("not an RFC 3339 timestamp: " + std::string(text_)); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Timestamp parse_rfc3339(std::string_view text) {
  Reader r(text);
  std::tm tm{};
  tm.tm_year = r.digits(4) - 1900;
  r.expect('-');
  tm.tm_mon = r.digits(2) - 1;
  r.expect('-');
  tm.tm_mday = r.digits(2);
  if (!r.accept('T') && !r.accept('t') && !r.accept(' ')) r.fail();
  tm.tm_hour = r.digits(2);
  r.expect(':');
  tm.tm_min = r.digits(2);
  r.expect(':');
  tm.tm_sec = r.digits(2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    r.fail();
  }
  std::int64_t nanos = 0;
  if (r.accept('.')) {
    int scale = 0;
    if (!r.at_digit()) r.fail();
    while (r.at_digit()) {
      const int d = r.digits(1);
      if (scale < 9) {
        nanos = nanos * 10 + d;
        ++scale;
      }
    }
    for (; scale < 9; ++scale) nanos *= 10;
  }
  long offset_seconds = 0;
  if (!r.accept('Z') && !r.accept('z')) {
    int sign = 0;
    if (r.accept('+')) sign = 1;
    else if (r.accept('-')) sign = -1;
    else r.fail();
    const int hours = r.digits(2);
    r.expect(':');
    const int minutes = r.digits(2);
    offset_seconds = sign * (hours * 3600L + minutes * 60L);
  }
  if (!r.done()) r.fail();
  const std::time_t secs = timegm(&tm) - offset_seconds;
  using namespace std::chrono;
  // A Timestamp counts nanoseconds in 64 bits: years before 1678 or after 2261 do not fit.
  constexpr auto kLimit = duration_cast<seconds>(Timestamp::duration::max()).count() - 1;
  if (secs > kLimit || secs < -kLimit) throw std::invalid_argument("RFC 3339 timestamp out of range: " + std::string(text));
  return Timestamp(duration_cast<Timestamp::duration>(seconds(secs) + nanoseconds(nanos)));
}

}  // namespace ppio_sandbox::core
