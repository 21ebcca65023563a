// Text that users choose ends up in XML given to libvirt and in JUnit
// reports: markup is escaped, control characters XML 1.0 refuses become spaces.
#include <gtest/gtest.h>

#include "engine/xml_text.hpp"

namespace cumulo {
namespace {

TEST(XmlText, EscapesMarkupAndQuotes) {
  EXPECT_EQ(xml_escaped("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
}

TEST(XmlText, ReplacesControlCharactersButKeepsLineBreaksAndTabs) {
  EXPECT_EQ(xml_escaped(std::string("a\x01"
                                    "b\x1b[0m\tc\r\nd")),
            "a b [0m\tc\r\nd");
}

}  // namespace
}  // namespace cumulo
