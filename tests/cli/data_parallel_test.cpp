// Data-parallel quantization under mpirun (quant/cluster.h, quant/parallel_stage.h):
// N processes give the bits of one process with the same arguments, uneven splits
// included, and a killed rank ends the job with the work folder left to resume.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "cli_util.h"
#include "quant/cluster.h"

using namespace gptqt;
using namespace gptqt::test;

namespace {

bool can_run_mpi() { return quant::cluster_supported() && std::system("command -v mpirun > /dev/null 2>&1") == 0; }

// `mpirun -np N gptqt ARGS`; root may run mpirun in a container, and N may exceed the cores.
std::string mpirun(int np, const std::string& args) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 GPTQT_DATA_DIR='" + data_dir() +
         "' timeout 600 mpirun -np " + std::to_string(np) + " --oversubscribe " + gptqt_binary() + " " + args;
}

std::string slurp_command(const std::string& cmd) {
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    while (size_t n = std::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    ::pclose(f);
  }
  return out;
}

CmdResult run_shell(const std::string& cmd) {
  const std::string dir = temp_dir();
  const int status = std::system((cmd + " > " + dir + "/out 2> " + dir + "/err").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out"), slurp(dir + "/err")};
}

}  // namespace

TEST(DataParallel, RanksGiveTheBitsOfOneProcess) {
  if (!file_exists(stories())) GTEST_SKIP() << "shared data not found under " << data_dir();
  if (!can_run_mpi()) GTEST_SKIP() << "built without Open MPI, or no mpirun (README: libopenmpi-dev openmpi-bin)";
  const std::string dir = temp_dir();
  // 5 windows: 3 ranks get 2, 2 and 1. GPTQT with act-order and the head: every path.
  const std::string common = "quantize -m " + stories() + " --method gptqt --bits 3 --group-size 32 --act-order "
                             "--head-bits 4 --calib tinystories --nsamples 5 --seqlen 64 --threads 1 ";
  const CmdResult one = run_gptqt(common + "-o " + dir + "/one");
  ASSERT_EQ(one.code, 0) << one.err;
  for (int np : {2, 3}) {
    const std::string out = dir + "/np" + std::to_string(np);
    const CmdResult r = run_shell(mpirun(np, common + "-o " + out));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("over " + std::to_string(np) + " processes"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(dir + "/one/weights.safetensors"), slurp(out + "/weights.safetensors")) << "-np " << np;
    EXPECT_EQ(slurp(dir + "/one/quant_log.csv").substr(0, 40), slurp(out + "/quant_log.csv").substr(0, 40));
  }
  // More processes than windows: refused, every rank stopped.
  const CmdResult many = run_shell(mpirun(3, "quantize -m " + stories() + " --method gptq --calib tinystories "
                                             "--nsamples 2 --seqlen 64 -o " + dir + "/many"));
  EXPECT_NE(many.code, 0);
  EXPECT_NE(many.err.find("2 calibration windows for 3 processes"), std::string::npos) << many.err;
}

TEST(DataParallel, AKilledRankStopsTheJobAndTheWorkResumes) {
  const std::string smol = data_dir() + "/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (!file_exists(smol)) GTEST_SKIP() << "shared data not found under " << data_dir();
  if (!can_run_mpi()) GTEST_SKIP() << "built without Open MPI, or no mpirun (README: libopenmpi-dev openmpi-bin)";
  const std::string dir = temp_dir(), out = dir + "/q";
  const std::string common = "quantize -m " + smol + " --method gptq --bits 4 --group-size 128 --nsamples 2 "
                             "--seqlen 64 --threads 1 ";
  // Start two ranks; once two blocks are saved, kill one of them (not mpirun).
  std::thread job([&] {
    const CmdResult r = run_shell(mpirun(2, common + "-o " + out));
    EXPECT_NE(r.code, 0) << "the job went on without a rank";
    EXPECT_NE(r.err.find("signal 9"), std::string::npos) << r.err;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (!file_exists(out + ".work/block_0001.safetensors") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // The ranks' command lines start with the binary's path; mpirun's does not.
  const std::string pids = slurp_command("pgrep -f '^" + gptqt_binary() + " quantize .*-o " + out + "$'");
  std::istringstream in(pids);
  pid_t victim = 0;
  for (pid_t p; in >> p;) victim = p;  // the last one started
  ASSERT_GT(victim, 0) << "no rank found";
  ::kill(victim, SIGKILL);
  job.join();
  EXPECT_FALSE(file_exists(out + "/weights.safetensors"));
  // The same command, on one process, takes up where the job stopped.
  const CmdResult rest = run_gptqt(common + "-o " + out);
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_EQ(rest.err.find(" 0 blocks resumed"), std::string::npos) << rest.err;
  const CmdResult whole = run_gptqt(common + "-o " + dir + "/whole");
  ASSERT_EQ(whole.code, 0) << whole.err;
  EXPECT_EQ(slurp(dir + "/whole/weights.safetensors"), slurp(out + "/weights.safetensors"));
}
