/* t15_seh: the functions of t15_seh_probe.c (clang, MSVC target) that t15_seh.c (mingw-w64 gcc)
 * calls, and the one the probe's __finally block calls back. */
#ifndef KENSA_WINBINS_T15_SEH_H_
#define KENSA_WINBINS_T15_SEH_H_

/* Writes through `target` in a callee; an access violation is caught by an __except whose
 * filter tests the exception code. Returns 42 when caught, 1 when the write succeeded. */
int SbxSehCatch(volatile int* target);

/* Writes through `target` two frames down, under a __finally in the middle frame; the outer
 * __except(1) catches it after the unwind has run the __finally. Returns 7 when caught. */
int SbxSehUnwind(volatile int* target);

/* Called from the __finally block with AbnormalTermination(). */
void SbxSehFinallyRan(int abnormal);

#endif /* KENSA_WINBINS_T15_SEH_H_ */
