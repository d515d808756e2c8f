/* t16_cxx: the functions of t16_cxx_probe.cc (clang++, MSVC target) that t16_cxx.c calls, and the
 * ones the probe calls back. */
#ifndef KENSA_WINBINS_T16_CXX_H_
#define KENSA_WINBINS_T16_CXX_H_

/* Throws `value` (an int) from a callee with a local object, caught by value: value + 100. */
int SbxCxxCatch(int value);
/* Throws a Derived from a callee, caught as const Base&: its code. */
int SbxCxxBase(int code);
/* Throws `value`, caught by an inner catch (int) that rethrows to an outer catch (...): 55. */
int SbxCxxRethrow(int value);

/* Called by the local object's destructor and by the inner catch block. */
void SbxCxxDestroyed(int which);
void SbxCxxMark(const char* step, int value);
/* What MSVC's code calls when a destructor throws during an unwind; never reached here. */
void __std_terminate(void);

#endif /* KENSA_WINBINS_T16_CXX_H_ */
