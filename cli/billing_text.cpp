#include "billing_text.hpp"

#include <cstdio>

namespace credits::cli {

namespace {
std::string day(Timestamp t) { return format_timestamp(t).substr(0, 10); }
std::string pad(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}
std::string num(int64_t v, size_t width) {
  std::string s = std::to_string(v);
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}
std::string bar(int64_t part, int64_t whole, size_t width) {
  size_t filled = whole > 0 ? static_cast<size_t>((part * static_cast<int64_t>(width) + whole - 1) / whole) : 0;
  if (filled > width) filled = width;
  std::string s;
  for (size_t i = 0; i < width; ++i) s += i < filled ? "█" : "░";
  return s;
}
// "At this pace the subscription runs out on …, the wallet on …; a top-up of N lasts to the
// reset." A bucket that does not run out before the reset (or the window's end) says so.
std::string forecast_line(const Forecast& f) {
  if (f.burn_per_day == 0) return "  Forecast      nothing spent this period: nothing runs out\n";
  const std::string end = f.resets_at ? "the reset" : "the period's end (" + day(f.period_end) + ")";
  std::string out = "  Forecast      At this pace (" + std::to_string(f.burn_per_day) + " a day) the subscription ";
  out += f.subscription_runs_out_at ? "runs out on " + day(*f.subscription_runs_out_at) : "lasts its period";
  out += ", the wallet " + (f.wallet_runs_out_at ? "on " + day(*f.wallet_runs_out_at) : "lasts past " + end);
  out += f.suggested_top_up > 0 ? "; a top-up of " + std::to_string(f.suggested_top_up) + " lasts to " + end + ".\n"
                                : "; no top-up is needed before " + end + ".\n";
  return out;
}
}  // namespace

std::string billing_text(const UsageView& v, const Forecast& forecast, size_t rejected) {
  const BalanceView& b = v.balance;
  std::string out = "Billing — " + b.payer + "\n\n";
  const bool has_period = b.sub.in_period;
  out += "  Subscription  " + std::string(to_string(b.sub.status));
  if (has_period) {
    out += "  " + num(b.sub.remaining, 0) + " of " + num(b.sub.quota, 0) + " left  " + bar(b.sub.remaining, b.sub.quota, 20);
    out += b.sub.status == SubscriptionStatus::active ? "  resets " + day(b.sub.period_end)
                                                      : "  usable until " + day(b.sub.period_end);
  }
  out += "\n  Wallet        " + num(b.wallet, 0) + " credits (never expire)\n";
  if (b.held) out += "  Held          " + num(b.held, 0) + " credits for runs in progress (reservations)\n";
  out += forecast_line(forecast) + "\n";
  out += "  Recent generations\n";
  if (v.recent.empty()) out += "    (none)\n";
  for (const Charge& c : v.recent)
    out += "    " + day(c.at) + "  " + pad(c.model, 22) + num(c.net(), 7) + "  " + pad(std::string(to_string(c.status)), 9) +
           (c.user.empty() ? "" : " by " + c.user) + "\n";
  out += "\n  Spend by model, " + day(v.period_start) + " to " + day(v.period_end) + "\n";
  int64_t top = v.by_model.empty() ? 0 : v.by_model.front().credits;
  for (const auto& l : v.by_model)
    out += "    " + pad(l.name, 22) + num(l.credits, 7) + "  " + bar(l.credits, top, 24) + "\n";
  if (!v.by_member.empty()) {
    out += "\n  Spend by member\n";
    int64_t topm = v.by_member.front().credits;
    for (const auto& l : v.by_member)
      out += "    " + pad(l.name, 22) + num(l.credits, 7) + "  " + bar(l.credits, topm, 24) + "\n";
  }
  const PayerTotals& t = b.totals;
  out += "\n  Ledger check  granted " + std::to_string(t.granted) + " + topped up " + std::to_string(t.topped_up) +
         " = spent " + std::to_string(t.spent) + " - refunded " + std::to_string(t.refunded) + " + expired " +
         std::to_string(t.expired) + " + remaining " + std::to_string((has_period ? b.sub.remaining : 0) + b.wallet) +
         (b.held ? " + held " + std::to_string(b.held) : "") + "\n";
  if (rejected) out += "  (" + std::to_string(rejected) + " operation(s) were rejected)\n";
  return out;
}

}  // namespace credits::cli
