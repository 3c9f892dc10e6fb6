#include <atomic>

#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "harness/config.h"
#include "harness/verify.h"
#include "store/store.h"

namespace rigor {
namespace {

struct VerifyArgs {
  std::string config, db, format = "text", reference;
  VerifyOptions opts;
  double tolerance_points = 5, gap_points = 15;
  bool quiet = false;
};

int verify_command(VerifyArgs a) {
  Config cfg = load_config(a.config);
  a.opts.tolerance = a.tolerance_points / 100;
  a.opts.gap = a.gap_points / 100;
  a.opts.progress = !a.quiet;
  a.opts.reference = a.reference;
  const std::string db = a.db.empty() ? cfg.run.db : a.db;
  Store store(db);
  const std::atomic<bool>* cancel = cancel_on_signals();
  VerifyOutcome out;
  try {
    out = execute_verify(cfg, a.opts, store, cancel);
  } catch (const EndpointUnavailable& e) {
    fmt::print(stderr, "rigor: {}\n", e.what());
    return kExitUnavailable;
  }
  if (a.format == "json") {
    fmt::print("{}\n", out.to_json().dump(2));
  } else {
    fmt::print("{}", format_verify(out));
  }
  std::fflush(stdout);  // the verdict whole before the stderr line, when both go to one file
  fmt::print(stderr, "rigor: verify stored as {} in {}\n", out.id, db);
  if (out.cancelled) return kExitInterrupted;
  switch (out.verdict) {
    case VerifyVerdict::kConsistent: return kExitOk;
    case VerifyVerdict::kInconsistent: return kExitResultBad;
    default: return kExitUndecided;
  }
}

}  // namespace

void add_verify_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<VerifyArgs>();
  auto* c = app.add_subcommand("verify", "Test whether an endpoint is the model it claims to be (tokenizer, accuracy).");
  c->footer(
      "Tests run cheapest first and stop once one decides. tokenizer: a few max_tokens=1 requests whose\n"
      "usage.prompt_tokens, over repetitions of probe texts, give exact token counts, compared with the\n"
      "fingerprint card of the claim's tokenizer (deterministic). accuracy: problems of a suite on the claim's\n"
      "model card, drawn at random, one sample each at the card's protocol, in a sequential test (Wald's SPRT) of\n"
      "accuracy >= card - tolerance against accuracy <= card - tolerance - gap; an endpoint as accurate as its\n"
      "claim is called inconsistent with probability <= alpha however long it runs.\n"
      "--reference RUN[:MODEL] (a trusted run in the same database) or --reference MODEL (another model of the\n"
      "config, a trusted live endpoint): instead of the card, each drawn problem is answered by the endpoint and\n"
      "by the reference (one of the run's stored samples of it, each used once, at the run's settings; or the\n"
      "live endpoint, sent the same prompt and seed at the card's protocol), and five paired tests by betting run\n"
      "at alpha/5 each: accuracy more than tolerance below the reference's, reasoning length, answer length (longer\n"
      "or shorter than the reference's in the same pair more often than not), truncation rate and extraction\n"
      "failures (more often than the reference). With MODEL the tokenizer test compares slopes with that endpoint,\n"
      "so any tokenizer family works, and both endpoints' spend counts against the budget. A pair whose reference\n"
      "request failed is dropped. Every request is stored; rigor report --verify shows them.\n"
      "Exit 0 consistent, 1 inconsistent, 3 undecided within the budget, 2 usage or config error, 5 endpoint down.");
  c->add_option("-c,--config", a->config, "config (TOML) that defines the model")->required()->check(CLI::ExistingFile);
  c->add_option("--model", a->opts.model, "the config's model to verify")->required();
  c->add_option("--claims", a->opts.claim, "the model it claims to be: a model card's name or alias (e.g. DeepSeek-R1)")
      ->required();
  c->add_option("--cards", a->opts.cards_dir, "folder of model cards (default: the bundled suites/cards/models)");
  c->add_option("--suite", a->opts.suite, "accuracy suite (default: the first on the card this build can run)");
  c->add_option("--reference", a->reference,
                "RUN or RUN:MODEL in the same database: a trusted run to compare accuracy, reasoning and answer "
                "lengths, truncation and extraction failures with, pair by pair, instead of the card's figures; or "
                "another model of the config (a trusted live endpoint): compare tokenizers and the same with it");
  c->add_option("--alpha", a->opts.alpha, "false-accusation rate (default 0.01)")->check(CLI::Range(1e-6, 0.5));
  c->add_option("--beta", a->opts.beta, "accuracy test: miss rate against an endpoint `gap` below the bound; "
                                       "against a reference, the level of the consistent side (default 0.05)")->check(CLI::Range(1e-6, 0.5));
  c->add_option("--tolerance", a->tolerance_points, "points below the card's figure that still count as the claim "
                                                   "(default 5)")->check(CLI::Range(0.0, 50.0));
  c->add_option("--gap", a->gap_points, "points below that bound the test is tuned to detect (default 15)")
      ->check(CLI::Range(1.0, 90.0));
  c->add_option("--max-samples", a->opts.max_samples,
                "accuracy samples at most; against a reference, drawn problems (pairs) (default 400)")->check(CLI::Range(1, 100000));
  c->add_option("--budget-usd", a->opts.budget_usd, "stop before spending more dollars (at the model's pricing)")
      ->check(CLI::Range(0.0, 1e9));
  c->add_option("--budget-tokens", a->opts.budget_tokens, "stop before more tokens (prompt + completion)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 50));
  c->add_option("--seed", a->opts.seed, "problem draws and request seeds (default 0)");
  c->add_option("--concurrency", a->opts.concurrency, "requests in flight, at most the model's own (default 8)")
      ->check(CLI::Range(1, 1024));
  c->add_option("--db", a->db, "results store: a SQLite file or postgresql://user@host[:port]/dbname (default: run.db from the config)");
  c->add_option("--format", a->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  c->add_flag("-q,--quiet", a->quiet, "no progress lines");
  c->callback([a, &action] { action = [a] { return verify_command(*a); }; });
}

}  // namespace rigor
