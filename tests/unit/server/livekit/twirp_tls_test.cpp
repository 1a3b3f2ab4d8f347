// `https://` (and `wss://`) Twirp calls: peer verification against the trust store plus
// `ca_file`, host-name checks, and SNI. The certificate is made in the test, self-signed.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "unit/server/livekit/twirp_test_util.hpp"

namespace cohost::server::livekit::testing {
namespace {

struct TestCert {
    std::string cert_pem;
    std::string key_pem;
};

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

/// A self-signed P-256 certificate for `san` (OpenSSL syntax: `IP:127.0.0.1,DNS:localhost`).
TestCert make_cert(const std::string& san) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("cohost test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, key, EVP_sha256());

    TestCert out;
    BIO* cert_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cert_bio, x);
    out.cert_pem = bio_text(cert_bio);
    BIO_free(cert_bio);
    BIO* key_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = bio_text(key_bio);
    BIO_free(key_bio);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

class TwirpTls : public ::testing::Test {
protected:
    void SetUp() override {
        server_tls.use_certificate_chain(net::buffer(cert.cert_pem));
        server_tls.use_private_key(net::buffer(cert.key_pem), net::ssl::context::pem);
        ca_path = std::filesystem::temp_directory_path() /
                  ("cohost_twirp_ca_" + std::to_string(::getpid()) + ".pem");
        std::ofstream(ca_path) << cert.cert_pem;
    }
    void TearDown() override { std::filesystem::remove(ca_path); }

    Captured<Empty> delete_room(const std::string& url, bool trust) {
        std::vector<Observed> observed;
        ClientOptions o = options_for(url, observed);
        o.max_attempts = 1;
        if (trust) o.ca_file = ca_path.string();
        auto client = make_twirp_client(ioc, o);
        Captured<Empty> cap;
        client->delete_room("r", cap.cb());
        EXPECT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
        return cap;
    }

    TestCert cert = make_cert("IP:127.0.0.1,DNS:localhost");
    net::io_context ioc;
    net::ssl::context server_tls{net::ssl::context::tls_server};
    FakeTwirpServer server{ioc, &server_tls};
    std::filesystem::path ca_path;
};

TEST_F(TwirpTls, TrustedCertificateForTheAddress) {
    auto cap = delete_room(server.url("https"), true);
    ASSERT_TRUE(cap.ok()) << cap.error().code << ": " << cap.error().msg;
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].target, "/twirp/livekit.RoomService/DeleteRoom");
    EXPECT_EQ(server.requests()[0].sni, "");  // RFC 6066 §3: no SNI for a literal address
    EXPECT_EQ(check_token(server.requests()[0]), boost::json::parse(R"({"roomCreate":true})"));
}

TEST_F(TwirpTls, WssByNameSendsSni) {
    auto cap = delete_room("wss://localhost:" + std::to_string(server.port()), true);
    // `localhost` may resolve to ::1 first; the server listens on 127.0.0.1 only, and the
    // connect falls through to it.
    ASSERT_TRUE(cap.ok()) << cap.error().code << ": " << cap.error().msg;
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].sni, "localhost");
    EXPECT_EQ(server.requests()[0].host, "localhost:" + std::to_string(server.port()));
}

TEST_F(TwirpTls, UntrustedCertificateIsRefused) {
    auto cap = delete_room(server.url("https"), false);
    ASSERT_FALSE(cap.ok());
    EXPECT_EQ(cap.error().code, "unavailable");
    EXPECT_EQ(cap.error().http_status, 0);
    EXPECT_TRUE(server.requests().empty());  // nothing was sent
}

TEST(TwirpTlsName, CertificateForAnotherNameIsRefused) {
    TestCert other = make_cert("DNS:media.example.com");
    net::io_context ioc;
    net::ssl::context tls{net::ssl::context::tls_server};
    tls.use_certificate_chain(net::buffer(other.cert_pem));
    tls.use_private_key(net::buffer(other.key_pem), net::ssl::context::pem);
    FakeTwirpServer server(ioc, &tls);
    const auto ca = std::filesystem::temp_directory_path() /
                    ("cohost_twirp_other_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca) << other.cert_pem;
    std::vector<Observed> observed;
    ClientOptions o = options_for(server.url("https"), observed);
    o.max_attempts = 1;
    o.ca_file = ca.string();
    auto client = make_twirp_client(ioc, o);
    Captured<Empty> cap;
    client->delete_room("r", cap.cb());
    ASSERT_TRUE(run_until(ioc, [&] { return cap.calls == 1; }));
    std::filesystem::remove(ca);
    ASSERT_FALSE(cap.ok());
    EXPECT_EQ(cap.error().code, "unavailable");
    EXPECT_TRUE(server.requests().empty());
}

TEST(TwirpTlsConfig, UnreadableCaFileIsRefusedAtConstruction) {
    net::io_context ioc;
    std::vector<Observed> observed;
    ClientOptions o = options_for("https://127.0.0.1:1", observed);
    o.ca_file = "/nonexistent/cohost-ca.pem";
    EXPECT_THROW((void)make_twirp_client(ioc, o), std::invalid_argument);
}

}  // namespace
}  // namespace cohost::server::livekit::testing
