#include <fmt/format.h>

#include "cli/commands.h"
#include "sim/sim_server.h"

namespace rigor {

void add_sim_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<SimOptions>();
  auto profiles = std::make_shared<std::string>();
  auto* c = app.add_subcommand("sim", "Serve simulated reasoning models over an OpenAI-compatible streaming API.");
  c->footer(
      "Speaks the same protocol as vLLM and llama-server (POST /v1/chat/completions, GET /v1/models, GET /health).\n"
      "Every response is a pure function of (profile, prompt, request seed, --seed); see configs/sim_profiles.toml.\n"
      "Prints \"rigor-sim listening on HOST:PORT\" once bound; stops on SIGINT or SIGTERM.");
  c->add_option("--host", o->host, "address to bind (loopback only unless --allow-remote)")->capture_default_str();
  c->add_option("--port", o->port, "port; 0 picks a free one")->required();
  c->add_option("--profiles", *profiles, "simulator profiles (TOML)")->required()->check(CLI::ExistingFile);
  c->add_option("--seed", o->seed, "mixed into every response")->capture_default_str();
  c->add_option("--threads", o->threads, "serving threads")->capture_default_str()->check(CLI::Range(1, 64));
  c->add_option("--gpqa-csv", o->gpqa_csv, "the official GPQA CSV: answer its multiple-choice prompts too")
      ->check(CLI::ExistingFile);
  c->add_flag("--allow-remote", o->allow_remote, "permit a non-loopback --host");
  c->callback([o, profiles, &action] { action = [o, profiles] { return sim_main(*o, *profiles); }; });
}

}  // namespace rigor
