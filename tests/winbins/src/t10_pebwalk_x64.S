/* t10_pebwalk, x64: position-independent shellcode that imports nothing. It finds its APIs the
 * way real shellcode does: TEB (gs) -> PEB -> PEB_LDR_DATA -> InLoadOrderModuleList, then each
 * module's export directory, comparing a ROR-13 hash of every exported name. It resolves
 * LoadLibraryA and WinExec, loads kernel32.dll (already loaded: a harmless call) and runs
 * WinExec("cmd.exe /c echo sbx-pebwalk", SW_HIDE). It returns WinExec's result, or 0 when an
 * API was not found, to its caller (tests/winbins/src/t10_pebwalk.c, or the emulator).
 *
 * Assembled alone, .text is exactly this shellcode: objcopy -O binary -j .text gives the .bin
 * the emulator runs from offset 0. Offsets: Windows Internals / research table 3.4 (x64). */
  .intel_syntax noprefix
  .text
  .globl t10_pebwalk_shellcode
t10_pebwalk_shellcode:
  /* Every non-volatile register the resolver uses (Microsoft x64 ABI). Seven pushes on top of
   * the return address leave rsp 16-byte aligned; 0x20 bytes of shadow space keep it so. */
  push rbx
  push rsi
  push rdi
  push r12
  push r13
  push r14
  push r15
  sub rsp, 0x20

  mov r12d, 0xEC0E4E8E              /* ror13("LoadLibraryA") */
  call resolve
  test rax, rax
  jz not_found
  lea rcx, [rip + kernel32_name]
  call rax

  mov r12d, 0x0E8AFE98              /* ror13("WinExec") */
  call resolve
  test rax, rax
  jz not_found
  lea rcx, [rip + command_line]
  xor edx, edx                      /* SW_HIDE */
  call rax
  jmp finish

not_found:
  xor eax, eax
finish:
  add rsp, 0x20
  pop r15
  pop r14
  pop r13
  pop r12
  pop rdi
  pop rsi
  pop rbx
  ret

/* In: r12d = hash of the wanted name. Out: rax = its address, or 0. The first module that
 * exports the name with code wins; a forwarder (an RVA inside the export directory, which
 * points at a "DLL.Name" string) is skipped so that the module it forwards to is found later. */
resolve:
  mov rax, gs:[0x60]                /* TEB.ProcessEnvironmentBlock */
  mov rax, [rax + 0x18]             /* PEB.Ldr */
  lea r13, [rax + 0x10]             /* &PEB_LDR_DATA.InLoadOrderModuleList: the list head */
  mov r14, [r13]
next_module:
  cmp r14, r13
  je resolve_failed
  mov rbx, [r14 + 0x30]             /* LDR_DATA_TABLE_ENTRY.DllBase */
  mov r14, [r14]                    /* Flink, for the next round */
  test rbx, rbx
  jz next_module
  mov eax, [rbx + 0x3c]             /* IMAGE_DOS_HEADER.e_lfanew */
  mov r15d, [rbx + rax + 0x88]      /* DataDirectory[EXPORT].VirtualAddress (PE32+) */
  test r15d, r15d
  jz next_module
  mov r11d, [rbx + rax + 0x8c]      /* DataDirectory[EXPORT].Size */
  lea r10, [rbx + r15]              /* IMAGE_EXPORT_DIRECTORY */
  mov ecx, [r10 + 0x18]             /* NumberOfNames */
  mov r8d, [r10 + 0x20]             /* AddressOfNames */
  add r8, rbx
next_name:
  test ecx, ecx
  jz next_module
  dec ecx
  mov esi, [r8 + rcx * 4]
  add rsi, rbx
  xor edi, edi
hash_byte:
  movzx eax, byte ptr [rsi]
  test al, al
  jz hash_done
  ror edi, 13
  add edi, eax
  inc rsi
  jmp hash_byte
hash_done:
  cmp edi, r12d
  jne next_name
  mov r9d, [r10 + 0x24]             /* AddressOfNameOrdinals */
  add r9, rbx
  movzx eax, word ptr [r9 + rcx * 2]
  mov r9d, [r10 + 0x1c]             /* AddressOfFunctions */
  add r9, rbx
  mov eax, [r9 + rax * 4]
  mov edx, eax
  sub edx, r15d
  cmp edx, r11d
  jb next_module                    /* a forwarder */
  add rax, rbx
  ret
resolve_failed:
  xor eax, eax
  ret

kernel32_name:
  .asciz "kernel32.dll"
command_line:
  .asciz "cmd.exe /c echo sbx-pebwalk"
