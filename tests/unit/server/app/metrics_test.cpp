// The Prometheus registry renders the text exposition format 0.0.4 exactly.
#include "cohost/server/app/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cohost::server::app {
namespace {

TEST(Metrics, EmptyRegistryRendersNothing) {
    Metrics m;
    EXPECT_EQ(m.render(), "");
}

TEST(Metrics, CounterWithHelpTypeAndLabels) {
    Metrics m;
    m.describe("cohost_webhooks_sent_total", "counter", "Webhook requests by result.");
    m.inc("cohost_webhooks_sent_total", {{"result", "ok"}});
    m.inc("cohost_webhooks_sent_total", {{"result", "ok"}}, 2);
    m.inc("cohost_webhooks_sent_total", {{"result", "retry"}});
    EXPECT_EQ(m.render(),
              "# HELP cohost_webhooks_sent_total Webhook requests by result.\n"
              "# TYPE cohost_webhooks_sent_total counter\n"
              "cohost_webhooks_sent_total{result=\"ok\"} 3\n"
              "cohost_webhooks_sent_total{result=\"retry\"} 1\n");
    EXPECT_EQ(m.counter("cohost_webhooks_sent_total", {{"result", "ok"}}), 3);
    EXPECT_EQ(m.counter("cohost_webhooks_sent_total", {{"result", "dropped"}}), 0);
    EXPECT_EQ(m.counter("nope"), 0);
}

TEST(Metrics, CounterWithoutDescribeHasEmptyHelpAndCounterType) {
    Metrics m;
    m.inc("a_total");
    EXPECT_EQ(m.render(), "# HELP a_total \n# TYPE a_total counter\na_total 1\n");
}

TEST(Metrics, CountersIgnoreNegativeAndNanIncrements) {
    Metrics m;
    m.inc("a_total", {}, 2);
    m.inc("a_total", {}, -1);
    m.inc("a_total", {}, std::nan(""));
    EXPECT_EQ(m.counter("a_total"), 2);
}

TEST(Metrics, FractionalValuesRoundTrip) {
    Metrics m;
    m.inc("a_total", {}, 0.25);
    EXPECT_NE(m.render().find("a_total 0.25\n"), std::string::npos) << m.render();
}

TEST(Metrics, LabelValuesAreEscaped) {
    Metrics m;
    m.inc("x_total", {{"path", "a\\b\"c\nd"}, {"k", "v"}});
    EXPECT_NE(m.render().find("x_total{path=\"a\\\\b\\\"c\\nd\",k=\"v\"} 1\n"), std::string::npos)
        << m.render();
}

TEST(Metrics, HelpTextEscapesBackslashAndNewlineButNotQuotes) {
    Metrics m;
    m.describe("x_total", "counter", "a \"b\" c\\d\ne");
    m.inc("x_total");
    EXPECT_EQ(m.render().substr(0, m.render().find('\n') + 1),
              "# HELP x_total a \"b\" c\\\\d\\ne\n");
}

TEST(Metrics, FamiliesAreSortedByName) {
    Metrics m;
    m.inc("zeta_total");
    m.gauge("alpha", "first", [] { return 7; });
    m.inc("mid_total");
    const auto text = m.render();
    const auto a = text.find("# HELP alpha");
    const auto mid = text.find("# HELP mid_total");
    const auto z = text.find("# HELP zeta_total");
    ASSERT_NE(a, std::string::npos);
    ASSERT_NE(mid, std::string::npos);
    ASSERT_NE(z, std::string::npos);
    EXPECT_LT(a, mid);
    EXPECT_LT(mid, z);
    EXPECT_NE(text.find("# TYPE alpha gauge\nalpha 7\n"), std::string::npos) << text;
}

TEST(Metrics, GaugeIsReadAtRenderTime) {
    Metrics m;
    int rooms = 1;
    m.gauge("cohost_active_rooms", "Rooms not ended.", [&rooms] { return rooms; });
    EXPECT_NE(m.render().find("cohost_active_rooms 1\n"), std::string::npos);
    rooms = 5;
    EXPECT_NE(m.render().find("cohost_active_rooms 5\n"), std::string::npos);
}

TEST(Metrics, FunctionCounterRendersAsCounter) {
    Metrics m;
    m.counter_fn("drops_total", "Drops.", [] { return 3; });
    EXPECT_EQ(m.render(), "# HELP drops_total Drops.\n# TYPE drops_total counter\ndrops_total 3\n");
    EXPECT_EQ(m.counter("drops_total"), 3);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    Metrics m;
    m.describe("lat_seconds", "histogram", "Latency.");
    m.observe("lat_seconds", {{"u", "x"}}, 0.0005);  // first bucket
    m.observe("lat_seconds", {{"u", "x"}}, 0.003);   // le 0.005
    m.observe("lat_seconds", {{"u", "x"}}, 0.01);    // exactly a bound: le 0.01
    m.observe("lat_seconds", {{"u", "x"}}, 42);      // only +Inf
    const std::string want =
        "# HELP lat_seconds Latency.\n"
        "# TYPE lat_seconds histogram\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.001\"} 1\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.0025\"} 1\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.005\"} 2\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.01\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.025\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.05\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.1\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.25\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"0.5\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"1\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"2.5\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"5\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"10\"} 3\n"
        "lat_seconds_bucket{u=\"x\",le=\"+Inf\"} 4\n"
        "lat_seconds_sum 42.0135\n";
    const auto text = m.render();
    // Everything up to the sum line, then the sum's labels and count checked separately (the sum
    // of floats is compared numerically).
    EXPECT_EQ(text.substr(0, text.find("lat_seconds_sum")),
              want.substr(0, want.find("lat_seconds_sum")));
    const auto sum_at = text.find("lat_seconds_sum{u=\"x\"} ");
    ASSERT_NE(sum_at, std::string::npos) << text;
    const auto sum_line = text.substr(sum_at, text.find('\n', sum_at) - sum_at);
    EXPECT_NEAR(std::stod(sum_line.substr(sum_line.rfind(' ') + 1)), 42.0135, 1e-9);
    EXPECT_NE(text.find("lat_seconds_count{u=\"x\"} 4\n"), std::string::npos) << text;
    EXPECT_EQ(m.histogram_count("lat_seconds", {{"u", "x"}}), 4u);
    EXPECT_EQ(m.histogram_count("lat_seconds"), 0u);
}

TEST(Metrics, HistogramWithoutLabelsHasOnlyLe) {
    Metrics m;
    m.observe("h_seconds", {}, 0.2);
    const auto text = m.render();
    EXPECT_NE(text.find("h_seconds_bucket{le=\"0.25\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("h_seconds_bucket{le=\"0.1\"} 0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("h_seconds_sum 0.2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("h_seconds_count 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE h_seconds histogram\n"), std::string::npos) << text;
}

TEST(Metrics, DescribedFamilyWithoutSamplesRendersHeaderOnly) {
    Metrics m;
    m.describe("later_total", "counter", "Nothing yet.");
    EXPECT_EQ(m.render(), "# HELP later_total Nothing yet.\n# TYPE later_total counter\n");
}

}  // namespace
}  // namespace cohost::server::app
