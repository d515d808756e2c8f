#include "kensa/core/time.h"

#include <catch2/catch.hpp>

namespace kensa {
namespace {

TEST_CASE("FormatRfc3339 writes UTC seconds") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1247527742) == "2009-07-13T23:29:02Z");
  CHECK(FormatRfc3339(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("FormatFiletime keeps the fraction and drops impossible years") {
  CHECK(FormatFiletime(0).empty());
  CHECK(FormatFiletime(116444736000000000ull) == "1970-01-01T00:00:00Z");
  CHECK(FormatFiletime(116444736000000001ull) == "1970-01-01T00:00:00.0000001Z");
  CHECK(FormatFiletime(0xFFFFFFFFFFFFFFFFull).empty());
}

}  // namespace
}  // namespace kensa
