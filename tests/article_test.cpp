// The help article (../shared/seed/how-martini-credits-work.txt), sentence by sentence, against
// the sample rate card that ships in demo/rate-card.json.
#include <set>

#include "credits/plan.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

int64_t price(const std::string& model, const json& params) {
  json q = quote_json(*sample_card(), json{{"model", model}, {"params", params}});
  EXPECT_TRUE(q["ok"].get<bool>()) << model << " " << params.dump() << " -> " << q.dump();
  EXPECT_TRUE(q.value("exact", false)) << q.dump();
  return q.value("max", int64_t{-1});
}

TEST(Article, TheSampleCardIsRealistic) {
  const RateCard& card = *sample_card();
  EXPECT_GE(card.models.size(), 20u);
  std::set<std::string> kinds;
  for (const Model& m : card.models) {
    kinds.insert(std::string(to_string(m.kind)));
    EXPECT_FALSE(m.provider.empty()) << m.id;
    EXPECT_FALSE(m.list_price.empty()) << m.id;
  }
  EXPECT_EQ(kinds.size(), 8u);  // image, video, audio, voice, lipsync, character, transcription, text
  EXPECT_FALSE(card.credit_value.empty());
}

// "A 1080p Veo clip costs more credits than a 720p Hailuo clip of the same length."
TEST(Article, Hailuo720pFiveSecondsCostsLessThanVeo1080pFiveSeconds) {
  EXPECT_LT(price("hailuo-02", {{"resolution", "720p"}, {"duration_s", 5}}),
            price("veo-3", {{"resolution", "1080p"}, {"duration_s", 5}}));
  EXPECT_LT(price("hailuo-02", {{"resolution", "720p"}, {"duration_s", 5}}),
            price("veo-3", {{"resolution", "1080p"}, {"duration_s", 5}, {"generate_audio", false}}));
}

// "A six-second video costs more than a two-second video on the same model."
TEST(Article, ASixSecondVideoCostsMoreThanATwoSecondOne) {
  EXPECT_GT(price("seedance-1-pro", {{"duration_s", 6}}), price("seedance-1-pro", {{"duration_s", 2}}));
  EXPECT_GT(price("runway-gen4-aleph", {{"duration_s", 6}}), price("runway-gen4-aleph", {{"duration_s", 2}}));
}

// "A 4-image batch on the same model costs roughly four times one image at the same settings."
TEST(Article, AFourImageBatchCostsFourTimesOneImage) {
  EXPECT_EQ(price("ideogram-3", {{"num_images", 4}}), 4 * price("ideogram-3", {{"num_images", 1}}));
  // On every model with a batch size: within the one round-up per quote (never per image).
  int batch_models = 0;
  for (const Model& m : sample_card()->models) {
    if (m.param_index("num_images") < 0) continue;
    ++batch_models;
    const int64_t one = price(m.id, {{"num_images", 1}});
    const int64_t four = price(m.id, {{"num_images", 4}});
    EXPECT_LE(four, 4 * one) << m.id;
    EXPECT_GE(four, 4 * one - 3) << m.id;
  }
  EXPECT_GE(batch_models, 4);
}

// "Increasing video duration from 4 to 8 seconds roughly doubles the credit cost on most models."
TEST(Article, FourToEightSecondsDoublesThePriceOnMostVideoModels) {
  int both = 0, doubled = 0;
  for (const Model& m : sample_card()->models) {
    if (m.kind != ModelKind::video) continue;
    const int32_t slot = m.param_index("duration_s");
    if (slot < 0) continue;
    const ParamSpec& d = m.params[static_cast<size_t>(slot)];
    if (!d.allows(Decimal::from_int(4)) || !d.allows(Decimal::from_int(8))) continue;
    json four = quote_json(*sample_card(), json{{"model", m.id}, {"params", {{"duration_s", 4}}}});
    json eight = quote_json(*sample_card(), json{{"model", m.id}, {"params", {{"duration_s", 8}}}});
    if (!four["ok"].get<bool>() || !eight["ok"].get<bool>()) continue;
    ++both;
    doubled += eight["max"].get<int64_t>() == 2 * four["max"].get<int64_t>();
  }
  EXPECT_GE(both, 5);
  EXPECT_GT(doubled * 2, both) << doubled << " of " << both;
  EXPECT_EQ(price("veo-3", {{"duration_s", 8}}), 2 * price("veo-3", {{"duration_s", 4}}));
}

// "Lip-sync runs charge separately from the underlying video generation that produced the clip."
TEST(Article, LipSyncIsChargedSeparatelyFromTheVideo) {
  json plan = plan_json(*sample_card(), json::parse(R"({"nodes":[
      {"id":"v","model":"veo-3","params":{"duration_s":8}},
      {"id":"ls","model":"sync-lipsync-2","inputs":{"video":"v"}}]})"), nullptr);
  ASSERT_EQ(plan["ok"], true) << plan.dump();
  const int64_t video = plan["nodes"][0]["credits"].get<int64_t>();
  const int64_t lipsync = plan["nodes"][1]["credits"].get<int64_t>();
  EXPECT_EQ(video, price("veo-3", {{"duration_s", 8}}));
  EXPECT_GT(lipsync, 0);
  EXPECT_EQ(lipsync, price("sync-lipsync-2", {{"duration_s", 8}}));  // priced on the clip's 8 s
  EXPECT_EQ(plan["total"]["credits"], video + lipsync);
}

class ArticleLedger : public ::testing::Test {
 protected:
  void SetUp() override {
    book.ok(R"({"op":"create_user","user":"ana"})");
    book.ok(R"({"op":"subscribe","payer":"user:ana","quota":1000})");
  }
  std::string veo(const std::string& key) {
    return R"({"op":"charge","user":"ana","key":")" + key +
           R"(","node":{"id":"n","model":"veo-3","params":{"duration_s":4,"resolution":"720p","generate_audio":false}},"quoted":)" +
           std::to_string(price("veo-3", {{"duration_s", 4}, {"resolution", "720p"}, {"generate_audio", false}})) +
           R"(,"rate_card":")" + sample_card()->version + R"("})";
  }
  Book book{sample_card()};
};

// "The exact cost is shown on each node before you run it": what the node shows is what is charged.
TEST_F(ArticleLedger, TheCostShownOnTheNodeIsWhatIsCharged) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":1000000,"key":"t"})");
  int key = 0;
  for (const Model& m : sample_card()->models) {
    json node = {{"id", "n"}, {"model", m.id}, {"params", json::object()}};
    for (const ParamSpec& p : m.params)  // give what has no default
      if (!p.default_value && !p.decided_by_run) {
        const Decimal v = p.min ? *p.min : p.allowed.front();
        // An int as a JSON number, a decimal as a decimal string (docs/rate-card.md).
        node["params"][p.name] = p.type == ParamType::integer ? json(*v.to_int64()) : json(v.to_string());
      }
    json q = quote_json(*sample_card(), node);
    ASSERT_TRUE(q["ok"].get<bool>()) << q.dump();
    json charge = {{"op", "charge"}, {"user", "ana"}, {"key", "k" + std::to_string(key++)}, {"node", node},
                   {"quoted", q["max"]}, {"rate_card", q["rate_card"]}};
    json r = book.ok(charge.dump());
    EXPECT_EQ(r["credits"], q["max"]) << m.id;
  }
}

// "Each model call deducts from the subscription quota first, then from the wallet."
TEST_F(ArticleLedger, SubscriptionFirstThenWallet) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t"})");
  for (int i = 0; i < 30 && book.sub("user:ana") > 0; ++i) book.ok(veo("k" + std::to_string(i)));
  EXPECT_EQ(book.sub("user:ana"), 0);
  EXPECT_LT(book.wallet("user:ana"), 500);  // drawn only once the quota was gone
}

// "Unused subscription credits are gone at the cycle reset"; "wallet credits do not [expire]".
TEST_F(ArticleLedger, SubscriptionCreditsExpireAtResetWalletCreditsDoNot) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":500,"key":"t"})");
  book.ok(veo("k1"));
  book.at = "2026-03-05T00:00:00Z";
  EXPECT_EQ(book.sub("user:ana"), 1000);
  EXPECT_EQ(book.wallet("user:ana"), 500);
}

// "You do not lose top-ups by running heavy generations early in the month."
TEST_F(ArticleLedger, TopUpsAreNotLostToEarlyHeavyUse) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t"})");
  book.ok(veo("k1"));  // early in the month: from the subscription
  EXPECT_EQ(book.wallet("user:ana"), 100);
}

// "Re-running a node with the same prompt and seed still costs credits."
TEST_F(ArticleLedger, ReRunningANodeCostsAgain) {
  const int64_t before = book.sub("user:ana");
  book.ok(veo("run-1"));
  book.ok(veo("run-2"));
  EXPECT_EQ(before - book.sub("user:ana"), 2 * price("veo-3", {{"duration_s", 4}, {"resolution", "720p"}, {"generate_audio", false}}));
}

// "If a generation fails on the provider side, credits are restored."
TEST_F(ArticleLedger, AFailedGenerationRestoresCredits) {
  book.ok(veo("k1"));
  book.ok(R"({"op":"fail","charge":"k1"})");
  EXPECT_EQ(book.sub("user:ana"), 1000);
}

// "If you cancel your subscription, wallet credits remain in your account."
TEST_F(ArticleLedger, WalletCreditsSurviveCancellation) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":300,"key":"t"})");
  book.ok(R"({"op":"cancel","payer":"user:ana"})");
  book.at = "2027-01-01T00:00:00Z";
  EXPECT_EQ(book.wallet("user:ana"), 300);
}

// "Workspace balances are separate from personal balances and are pooled across members";
// "switching the active workspace ... changes which balance is being drawn down for the next generation."
TEST_F(ArticleLedger, WorkspacesArePooledSeparateAndChosenByTheActiveContext) {
  book.ok(R"({"op":"create_user","user":"bo"})");
  book.ok(R"({"op":"create_workspace","workspace":"w","admin":"ana"})");
  book.ok(R"({"op":"add_member","workspace":"w","user":"bo","by":"ana"})");
  book.ok(R"({"op":"top_up","payer":"workspace:w","credits":1000,"key":"wt","by":"ana"})");
  book.ok(R"({"op":"switch","user":"ana","workspace":"w"})");
  EXPECT_EQ(book.ok(veo("k1"))["payer"], "workspace:w");
  EXPECT_EQ(book.sub("user:ana"), 1000);  // personal balance untouched
  book.ok(R"({"op":"switch","user":"ana","workspace":null})");
  EXPECT_EQ(book.ok(veo("k2"))["payer"], "user:ana");
}

// "Open Settings, then Billing, to see both balances side by side ... and the date your
// subscription credits next reset. The same page lists recent generations with the model used
// and credits spent per run."
TEST_F(ArticleLedger, TheBillingViewShowsBothBalancesTheResetDateAndRecentGenerations) {
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":40,"key":"t"})");
  book.ok(veo("k1"));
  json u = book.ok(R"({"op":"usage","payer":"user:ana","limit":5})");
  EXPECT_TRUE(u["subscription"]["remaining"].is_number());
  EXPECT_EQ(u["subscription"]["quota"], 1000);
  EXPECT_EQ(u["subscription"]["resets_at"], "2026-02-28T10:00:00Z");
  EXPECT_EQ(u["wallet"], 40);
  ASSERT_EQ(u["generations"].size(), 1u);
  EXPECT_EQ(u["generations"][0]["model"], "veo-3");
  EXPECT_EQ(u["by_model"][0]["model"], "veo-3");
}

}  // namespace
}  // namespace credits::testing
