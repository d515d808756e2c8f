#include <algorithm>

#include "kensa/bus/bus.h"

namespace kensa::bus {

std::string TaskSubject(const std::string& stage, int priority) {
  const int clamped = std::clamp(priority, 1, kPriorityCount);
  return "kensa.task." + stage + ".p" + std::to_string(clamped);
}

std::string SubmissionEventSubject(const std::string& state) { return "kensa.event.submission." + state; }
std::string CollectionEventSubject(const std::string& state) { return "kensa.event.collection." + state; }

}  // namespace kensa::bus
