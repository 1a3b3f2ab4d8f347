// The router and docs/api/openapi.yaml agree: the same set of (METHOD, path) in both directions,
// every operation documents a success and (when protected) a 401 response, every `$ref` resolves,
// and the document's error-code vocabulary covers every code the server can send.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cohost/server/http/routes.hpp"
#include "cohost/server/rooms/errors.hpp"

#ifndef COHOST_SOURCE_DIR
#error "COHOST_SOURCE_DIR must be defined (tests/CMakeLists.txt)"
#endif

namespace cohost::server::http {
namespace {

const std::string kDocPath = std::string(COHOST_SOURCE_DIR) + "/docs/api/openapi.yaml";

/// The HTTP methods an OpenAPI Path Item may hold, lower-case as in the document.
const std::vector<std::string> kOperationKeys = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};

/// Operations that need no token (product.md §10).
const std::set<std::pair<std::string, std::string>> kPublicOperations = {
    {"GET", "/healthz"},
    {"GET", "/metrics"},
    {"POST", "/v1/auth/dev-login"},
};

/// The WebSocket upgrade answers 101 Switching Protocols, which is its success response.
const std::set<std::pair<std::string, std::string>> kUpgradeOperations = {
    {"GET", "/v1/realtime"},
};

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string describe(const std::pair<std::string, std::string>& op) {
    return op.first + " " + op.second;
}

class OpenApiDocument : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        try {
            doc_ = new YAML::Node(YAML::LoadFile(kDocPath));
        } catch (const YAML::Exception& e) {
            load_error_ = new std::string(e.what());
        }
    }
    static void TearDownTestSuite() {
        delete doc_;
        doc_ = nullptr;
        delete load_error_;
        load_error_ = nullptr;
    }
    void SetUp() override {
        ASSERT_EQ(load_error_, nullptr) << "cannot load " << kDocPath << ": " << *load_error_;
        ASSERT_NE(doc_, nullptr);
        ASSERT_TRUE((*doc_)["paths"].IsMap()) << kDocPath << " has no `paths` map";
    }

    static const YAML::Node& doc() { return *doc_; }

    /// Every (METHOD, path) operation of the document, with its Operation node.
    static std::map<std::pair<std::string, std::string>, YAML::Node> operations() {
        std::map<std::pair<std::string, std::string>, YAML::Node> out;
        for (const auto& path_item : doc()["paths"]) {
            const auto path = path_item.first.as<std::string>();
            for (const auto& key : kOperationKeys) {
                if (path_item.second[key])
                    out.emplace(std::make_pair(upper(key), path), path_item.second[key]);
            }
        }
        return out;
    }

    /// Resolves a local reference (`#/components/schemas/Room`) or returns an undefined node.
    /// Nodes are rebound with `reset()`: assigning one yaml-cpp Node to another would rewrite
    /// the document itself.
    static YAML::Node resolve(const std::string& ref) {
        if (ref.rfind("#/", 0) != 0) return YAML::Node(YAML::NodeType::Undefined);
        YAML::Node cur;
        cur.reset(doc());
        std::size_t i = 2;
        while (i <= ref.size()) {
            auto j = ref.find('/', i);
            if (j == std::string::npos) j = ref.size();
            std::string token = ref.substr(i, j - i);
            // JSON Pointer unescaping (RFC 6901): ~1 is '/', ~0 is '~'.
            for (std::size_t p = 0; (p = token.find("~1", p)) != std::string::npos; ++p) {
                token.replace(p, 2, "/");
            }
            for (std::size_t p = 0; (p = token.find("~0", p)) != std::string::npos; ++p) {
                token.replace(p, 2, "~");
            }
            const YAML::Node& view = cur;
            YAML::Node next;
            if (view.IsMap()) {
                const YAML::Node child = view[token];
                if (!child) return YAML::Node(YAML::NodeType::Undefined);
                next.reset(child);
            } else if (view.IsSequence()) {
                std::size_t idx = 0;
                try {
                    idx = std::stoul(token);
                } catch (const std::exception&) {
                    return YAML::Node(YAML::NodeType::Undefined);
                }
                if (idx >= view.size()) return YAML::Node(YAML::NodeType::Undefined);
                next.reset(view[idx]);
            } else {
                return YAML::Node(YAML::NodeType::Undefined);
            }
            cur.reset(next);
            i = j + 1;
        }
        return cur;
    }

    /// Follows `$ref` chains (bounded) so a response or parameter given by reference is inspected.
    static YAML::Node deref(const YAML::Node& start) {
        YAML::Node n;
        n.reset(start);
        for (int hops = 0; hops < 16; ++hops) {
            const YAML::Node& view = n;
            if (!view.IsMap() || !view["$ref"]) break;
            const YAML::Node target = resolve(view["$ref"].as<std::string>());
            n.reset(target);
        }
        return n;
    }

    static YAML::Node* doc_;
    static std::string* load_error_;
};

YAML::Node* OpenApiDocument::doc_ = nullptr;
std::string* OpenApiDocument::load_error_ = nullptr;

TEST_F(OpenApiDocument, IsOpenApi31WithBearerJwtSecurity) {
    ASSERT_TRUE(doc()["openapi"]);
    EXPECT_EQ(doc()["openapi"].as<std::string>().rfind("3.1", 0), 0U)
        << "openapi version is " << doc()["openapi"].as<std::string>();
    const auto bearer = doc()["components"]["securitySchemes"]["bearerAuth"];
    ASSERT_TRUE(bearer) << "components.securitySchemes.bearerAuth is missing";
    EXPECT_EQ(bearer["type"].as<std::string>(""), "http");
    EXPECT_EQ(bearer["scheme"].as<std::string>(""), "bearer");
    EXPECT_EQ(bearer["bearerFormat"].as<std::string>(""), "JWT");
}

TEST_F(OpenApiDocument, RouterHasNoDuplicateRoutes) {
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const auto& r : api_routes()) ++seen[{r.method, r.path_template}];
    for (const auto& [op, n] : seen) {
        EXPECT_EQ(n, 1) << describe(op) << " is registered " << n << " times in api_routes()";
    }
}

TEST_F(OpenApiDocument, EveryServerRouteIsDocumented) {
    ASSERT_FALSE(api_routes().empty()) << "api_routes() is empty";
    const auto ops = operations();
    std::vector<std::string> missing;
    for (const auto& r : api_routes()) {
        if (!ops.contains({r.method, r.path_template}))
            missing.push_back(r.method + " " + r.path_template);
    }
    std::ostringstream msg;
    for (const auto& m : missing) msg << "\n  " << m;
    EXPECT_TRUE(missing.empty()) << missing.size()
                                 << " route(s) registered by the server (api_routes()) but not "
                                    "documented under `paths` in docs/api/openapi.yaml:"
                                 << msg.str();
}

TEST_F(OpenApiDocument, EveryDocumentedOperationIsRouted) {
    std::set<std::pair<std::string, std::string>> routed;
    for (const auto& r : api_routes()) routed.insert({r.method, r.path_template});
    std::vector<std::string> extra;
    for (const auto& [op, node] : operations()) {
        if (!routed.contains(op)) extra.push_back(describe(op));
    }
    std::ostringstream msg;
    for (const auto& m : extra) msg << "\n  " << m;
    EXPECT_TRUE(extra.empty()) << extra.size()
                               << " operation(s) documented in docs/api/openapi.yaml but not "
                                  "registered by the server (api_routes()):"
                               << msg.str();
}

TEST_F(OpenApiDocument, EveryOperationHasASuccessResponse) {
    for (const auto& [op, node] : operations()) {
        const auto responses = node["responses"];
        ASSERT_TRUE(responses && responses.IsMap()) << describe(op) << " has no `responses`";
        bool success = false;
        for (const auto& r : responses) {
            const auto code = r.first.as<std::string>();
            if (code.size() == 3 && code[0] == '2') success = true;
            if (code == "2XX") success = true;
            if (code == "101" && kUpgradeOperations.contains(op)) success = true;
        }
        EXPECT_TRUE(success) << describe(op) << " documents no 2xx response"
                             << (kUpgradeOperations.contains(op) ? " (nor 101)" : "");
    }
}

TEST_F(OpenApiDocument, EveryProtectedOperationDocuments401) {
    const bool global_security =
        doc()["security"] && doc()["security"].IsSequence() && doc()["security"].size() > 0;
    for (const auto& [op, node] : operations()) {
        const bool is_public = kPublicOperations.contains(op);
        // Effective security: the operation's own list wins over the document's.
        const bool secured = node["security"] ? node["security"].size() > 0 : global_security;
        if (is_public) {
            EXPECT_FALSE(secured) << describe(op) << " needs no token but declares security "
                                  << "(set `security: []`)";
            continue;
        }
        EXPECT_TRUE(secured) << describe(op)
                             << " needs a token but its effective `security` is empty";
        EXPECT_TRUE(node["responses"]["401"])
            << describe(op) << " needs a token but documents no 401 response";
    }
}

TEST_F(OpenApiDocument, ResponsesAreDescribedAndErrorsUseTheEnvelope) {
    for (const auto& [op, node] : operations()) {
        for (const auto& r : node["responses"]) {
            const auto code = r.first.as<std::string>();
            const auto response = deref(r.second);
            ASSERT_TRUE(response.IsMap())
                << describe(op) << " response " << code << " does not resolve";
            EXPECT_TRUE(response["description"])
                << describe(op) << " response " << code << " has no description";
            if (code.size() == 3 && (code[0] == '4' || code[0] == '5')) {
                const auto schema = response["content"]["application/json"]["schema"];
                EXPECT_TRUE(schema && schema["$ref"] &&
                            schema["$ref"].as<std::string>() == "#/components/schemas/Error")
                    << describe(op) << " response " << code
                    << " must use the error envelope #/components/schemas/Error";
            }
        }
    }
}

TEST_F(OpenApiDocument, PathParametersAreDeclared) {
    for (const auto& path_item : doc()["paths"]) {
        const auto path = path_item.first.as<std::string>();
        std::set<std::string> in_template;
        for (std::size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
            const auto j = path.find('}', i);
            ASSERT_NE(j, std::string::npos) << "unbalanced braces in " << path;
            in_template.insert(path.substr(i + 1, j - i - 1));
        }
        auto declared_in = [](const YAML::Node& params, std::set<std::string>& out) {
            if (!params || !params.IsSequence()) return;
            for (const auto& p : params) {
                const auto param = deref(p);
                if (param["in"].as<std::string>("") == "path")
                    out.insert(param["name"].as<std::string>(""));
            }
        };
        std::set<std::string> path_level;
        declared_in(path_item.second["parameters"], path_level);
        for (const auto& key : kOperationKeys) {
            const auto op = path_item.second[key];
            if (!op) continue;
            std::set<std::string> declared = path_level;
            declared_in(op["parameters"], declared);
            for (const auto& name : in_template) {
                EXPECT_TRUE(declared.contains(name))
                    << upper(key) << " " << path << ": path parameter {" << name
                    << "} is not declared with `in: path`";
            }
            for (const auto& name : declared) {
                EXPECT_TRUE(in_template.contains(name))
                    << upper(key) << " " << path << ": declares path parameter `" << name
                    << "` that is not in the template";
            }
        }
    }
}

TEST_F(OpenApiDocument, OperationIdsAreUnique) {
    std::map<std::string, std::string> seen;
    for (const auto& [op, node] : operations()) {
        if (!node["operationId"]) continue;
        const auto id = node["operationId"].as<std::string>();
        const auto [it, inserted] = seen.emplace(id, describe(op));
        EXPECT_TRUE(inserted) << "operationId `" << id << "` is used by " << it->second << " and "
                              << describe(op);
    }
}

/// Collects every `$ref` value with where it was found.
void collect_refs(const YAML::Node& n, const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
    if (n.IsMap()) {
        for (const auto& kv : n) {
            const auto key = kv.first.as<std::string>();
            if (key == "$ref" && kv.second.IsScalar()) {
                out.emplace_back(kv.second.as<std::string>(), where);
            } else {
                collect_refs(kv.second, where + "/" + key, out);
            }
        }
    } else if (n.IsSequence()) {
        for (std::size_t i = 0; i < n.size(); ++i) {
            collect_refs(n[i], where + "[" + std::to_string(i) + "]", out);
        }
    }
}

TEST_F(OpenApiDocument, EveryRefResolves) {
    std::vector<std::pair<std::string, std::string>> refs;
    collect_refs(doc(), "", refs);
    ASSERT_FALSE(refs.empty());
    std::ostringstream bad;
    int n_bad = 0;
    for (const auto& [ref, where] : refs) {
        const auto target = resolve(ref);
        if (!target.IsDefined() || target.IsNull()) {
            bad << "\n  " << ref << " (at " << where << ")";
            ++n_bad;
        }
    }
    EXPECT_EQ(n_bad, 0) << n_bad << " $ref(s) of " << refs.size()
                        << " do not resolve:" << bad.str();
}

TEST_F(OpenApiDocument, ErrorCodeEnumCoversEveryServerCode) {
    const auto codes = doc()["components"]["schemas"]["ErrorCode"]["enum"];
    ASSERT_TRUE(codes && codes.IsSequence()) << "components.schemas.ErrorCode.enum is missing";
    std::set<std::string> documented;
    for (const auto& c : codes) documented.insert(c.as<std::string>());
    using rooms::Errc;
    for (auto i = static_cast<std::uint8_t>(Errc::InvalidArgument);
         i <= static_cast<std::uint8_t>(Errc::Internal); ++i) {
        const auto code = std::string(rooms::code_string(static_cast<Errc>(i)));
        EXPECT_TRUE(documented.contains(code))
            << "error code `" << code << "` (HTTP " << rooms::http_status(static_cast<Errc>(i))
            << ") is not in components.schemas.ErrorCode.enum";
    }
    // product.md §8/§10 codes, including the engagement ones answered by later milestones.
    for (const char* code : {"unauthenticated",
                             "forbidden",
                             "not_host",
                             "not_on_stage",
                             "not_invitee",
                             "not_found",
                             "user_not_found",
                             "invitation_not_pending",
                             "already_invited",
                             "already_on_stage",
                             "stage_full",
                             "room_ended",
                             "invalid_argument",
                             "invalid_json",
                             "cannot_invite_self",
                             "payload_too_large",
                             "rate_limited",
                             "muted",
                             "banned",
                             "slow_mode",
                             "too_many_products",
                             "method_not_allowed"}) {
        EXPECT_TRUE(documented.contains(code))
            << "product.md error code `" << code << "` is not in components.schemas.ErrorCode.enum";
    }
}

}  // namespace
}  // namespace cohost::server::http
