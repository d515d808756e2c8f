# The unpacking stub of kensa_test_packer.py for PE32+ (see stub_x86.S): decode, bind the
# original imports, jump to the original entry point. Microsoft x64 calling convention.
.intel_syntax noprefix
.text
params:
  .fill 10, 4, 0
entry:
  push rbx
  push rbp
  push rsi
  push rdi
  push r12
  push r13
  push r14                      # seven pushes: RSP is 16-byte aligned again
  sub rsp, 32                   # home space of the calls
  lea rbp, [rip + params]
  mov rbx, rbp
  mov eax, [rbp + 32]
  sub rbx, rax                  # image base (params_rva)
  mov esi, [rbp + 4]
  add rsi, rbx
  mov edi, [rbp + 8]
  add rdi, rbx
  mov ecx, [rbp + 12]
  mov edx, [rbp + 16]
decode:
  test ecx, ecx
  jz decoded
  imul edx, edx, 0x01000193
  add edx, 0x3B9ACA07
  mov eax, edx
  shr eax, 24
  xor al, [rsi]
  mov [rdi], al
  inc rsi
  inc rdi
  dec ecx
  jmp decode
decoded:
  mov esi, [rbp + 20]
  test esi, esi
  jz imports_done
  add rsi, rbx
next_dll:
  mov ecx, [rsi + 12]
  test ecx, ecx
  jz imports_done
  add rcx, rbx
  mov eax, [rbp + 24]
  call [rbx + rax]              # LoadLibraryA(name)
  mov rdi, rax
  mov r12d, [rsi]
  test r12d, r12d
  jnz have_lookup
  mov r12d, [rsi + 16]
have_lookup:
  add r12, rbx                  # the lookup entry
  mov r13d, [rsi + 16]
  add r13, rbx                  # the IAT slot
next_function:
  mov rax, [r12]
  test rax, rax
  jz dll_done
  js by_ordinal
  lea rdx, [rbx + rax + 2]      # IMAGE_IMPORT_BY_NAME.Name
  jmp resolve
by_ordinal:
  movzx edx, ax
resolve:
  mov rcx, rdi
  mov eax, [rbp + 28]
  call [rbx + rax]              # GetProcAddress(module, name)
  mov [r13], rax
  add r12, 8
  add r13, 8
  jmp next_function
dll_done:
  add rsi, 20
  jmp next_dll
imports_done:
  mov eax, [rbp]
  add rax, rbx
  add rsp, 32
  pop r14
  pop r13
  pop r12
  pop rdi
  pop rsi
  pop rbp
  pop rbx
  jmp rax
