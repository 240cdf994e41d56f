#pragma once
// A one-node Slurm cluster on 127.0.0.1 for a test, with Debian's own daemons (slurm-wlm,
// munge): munged with a fresh key, slurmctld and `slurmd -N localhost`, configured in a temp
// folder (no cgroups, no accounting daemon) and stopped when the object goes. Commands reach it
// through SLURM_CONF (env()).
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/support/nginx_server.h"  // free_loopback_port

namespace dgxpx::testing {

class SlurmCluster {
 public:
  SlurmCluster() {
    dir_ = std::filesystem::temp_directory_path() /
           ("dgxpx-slurm-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    for (const char* sub : {"munge", "state", "spool", "log"}) std::filesystem::create_directories(dir_ / sub);
    std::filesystem::permissions(dir_ / "munge", std::filesystem::perms::owner_all);
    {
      std::ofstream key(dir_ / "munge" / "key", std::ios::binary);
      std::random_device random;
      for (int i = 0; i < 1024; ++i) key.put(static_cast<char>(random()));
    }
    std::filesystem::permissions(dir_ / "munge" / "key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::string d = dir_.string();
    run_or_throw("munged --force --key-file=" + d + "/munge/key --socket=" + d + "/munge/sock --pid-file=" + d +
                 "/munge/pid --log-file=" + d + "/munge/log --seed-file=" + d + "/munge/seed");
    const int ctld_port = free_loopback_port(), slurmd_port = free_loopback_port();
    std::ofstream(dir_ / "slurm.conf")
        << "ClusterName=dgxpxtest\nSlurmctldHost=localhost(127.0.0.1)\nSlurmUser=root\nSlurmdUser=root\n"
        << "AuthType=auth/munge\nAuthInfo=socket=" << d << "/munge/sock\nCredType=cred/munge\n"
        << "SlurmctldPort=" << ctld_port << "\nSlurmdPort=" << slurmd_port << "\n"
        << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
        << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
        << "SlurmctldLogFile=" << d << "/log/slurmctld.log\nSlurmdLogFile=" << d << "/log/slurmd.log\n"
        << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
        << "AccountingStorageType=accounting_storage/none\nSchedulerType=sched/builtin\n"
        << "SchedulerParameters=sched_interval=1\n"  // start a job whose dependency ended within a second, not a minute
        << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\nReturnToService=2\nMpiDefault=none\n"
        << "NodeName=localhost NodeAddr=127.0.0.1 CPUs=" << std::max(1u, std::thread::hardware_concurrency())
        << " State=UNKNOWN\nPartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n";
    run_or_throw(env() + " slurmctld -i");
    run_or_throw(env() + " slurmd -N localhost");
    // Ready once the node reports idle (a second or two).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (node_state() != "idle") {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("the Slurm node never became idle (logs in " + d + "/log)");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  ~SlurmCluster() {
    for (const char* pid_file : {"slurmd.pid", "slurmctld.pid", "munge/pid"}) stop(dir_ / pid_file);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  /// "SLURM_CONF=..." for a command line that runs sbatch, squeue or scontrol.
  std::string env() const { return "SLURM_CONF='" + (dir_ / "slurm.conf").string() + "'"; }
  const std::filesystem::path& dir() const { return dir_; }

  /// Waits for job `id` to end by polling scontrol every 0.2 s (`sbatch --wait` polls at
  /// doubling intervals: a 15 s job is reported after 42 s), and returns its exit status, or
  /// -1 when it did not end within `limit`. Ended jobs stay known to slurmctld for MinJobAge
  /// (300 s), which is all this needs: no accounting daemon.
  int wait_for_job(const std::string& id, std::chrono::seconds limit = std::chrono::seconds(120)) const {
    const std::filesystem::path out = dir_ / ("job-" + id + ".state");
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::system((env() + " scontrol -o show job " + id + " >'" + out.string() + "' 2>&1").c_str());
      std::ifstream in(out);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      const auto field = [&text](const std::string& name) {
        const size_t at = text.find(" " + name + "=");
        if (at == std::string::npos) return std::string();
        const size_t begin = at + name.size() + 2;
        return text.substr(begin, text.find_first_of(" \n", begin) - begin);
      };
      const std::string state = field("JobState");
      if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT" ||
          state == "NODE_FAIL" || state == "OUT_OF_MEMORY")
        return std::stoi(field("ExitCode"));  // "1:0": status, then signal
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return -1;
  }

 private:
  static void run_or_throw(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::string node_state() const {
    const std::filesystem::path out = dir_ / "sinfo.out";
    std::system((env() + " sinfo -h -N -o %T >'" + out.string() + "' 2>/dev/null").c_str());
    std::ifstream in(out);
    std::string state;
    std::getline(in, state);
    return state;
  }

  // Stops a daemon by its pid file and waits (up to 10 s) until it is gone.
  static void stop(const std::filesystem::path& pid_file) {
    std::ifstream in(pid_file);
    int pid = 0;
    if (!(in >> pid) || pid <= 0) return;
    ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::filesystem::path dir_;
};

}  // namespace dgxpx::testing
