// t16_cxx's C++ exceptions, compiled by clang++ for the MSVC target (CMakeLists.txt, MSVC_CXX):
// FH3 tables (FuncInfo, unwind map, try blocks, IP-to-state) handled by __CxxFrameHandler3,
// throws through _CxxThrowException with ThrowInfo and catchable types. Clang catches only
// exceptions raised in calls, so each throw is in a function of its own.
extern "C" void SbxCxxDestroyed(int which);
extern "C" void SbxCxxMark(const char* step, int value);

namespace {

// Its destructor runs when the exception unwinds the frame it lives in.
struct Guard {
  int which;
  ~Guard() { SbxCxxDestroyed(which); }
};

struct Base {
  int code = 0;
  virtual ~Base() = default;
};

struct Derived : Base {
  explicit Derived(int value) { code = value; }
};

__declspec(noinline) void Thrower(int value) {
  Guard guard{value};
  if (value > 0) throw value;
}

__declspec(noinline) void ThrowDerived(int code) {
  Guard guard{code + 1000};
  throw Derived(code);
}

}  // namespace

extern "C" int SbxCxxCatch(int value) {
  try {
    Thrower(value);
    return 1;
  } catch (int caught) {
    return caught + 100;
  }
}

extern "C" int SbxCxxBase(int code) {
  try {
    ThrowDerived(code);
  } catch (const Base& base) {
    return base.code;
  }
  return -1;
}

extern "C" int SbxCxxRethrow(int value) {
  try {
    try {
      Thrower(value);
    } catch (int caught) {
      SbxCxxMark("inner_caught", caught);
      throw;
    }
  } catch (...) {
    return 55;
  }
  return 0;
}
