#pragma once
// Names of the built-in functions ([MS-XLS] 2.5.198.17 Ftab) and command-equivalent functions
// ([MS-XLS] 2.5.198.4 Cetab) that XLM macros and ordinary formulas use, with the fixed argument
// count a ptgFunc token implies. Shared by BIFF8, BIFF5 and XLSB ([MS-XLSB] uses the same
// numbers).

#include <cstdint>
#include <optional>
#include <string>

namespace kensa::xlm {

struct FunctionInfo {
  const char* name;
  // Arguments of a ptgFunc (fixed-arity) call; -1 when the function takes a variable count and
  // so only appears in ptgFuncVar, whose token carries the count.
  int fixed_arguments;
};

// The function with Ftab index `index`, or nullopt when it is not in Kensa's table.
std::optional<FunctionInfo> FindFunction(std::uint16_t index);

// The command with Cetab index `index` (ptgFuncVar with fCeFunc set), or nullopt.
std::optional<FunctionInfo> FindCommand(std::uint16_t index);

// Index of the "user-defined function" Ftab entry: the first argument names the function.
inline constexpr std::uint16_t kUserDefinedFunction = 255;

}  // namespace kensa::xlm
