# The unpacking stub of kensa_test_packer.py for PE32, the shape of UPX's: decode the payload
# into the empty first section, bind the original imports with LoadLibraryA / GetProcAddress,
# restore the registers and jump to the original entry point. Position independent; the
# packer fills the parameter block (offsets in kensa_test_packer.py, PARAMS) in front of it.
.intel_syntax noprefix
.text
params:
  .fill 10, 4, 0
entry:
  pushad
  call next                     # pushad (1 byte) + call (5 bytes): next is at offset 46
next:
  pop ebp
  sub ebp, 46                   # ebp = params
  mov ebx, ebp
  sub ebx, [ebp + 32]           # ebx = image base (params_rva)
  mov esi, [ebp + 4]
  add esi, ebx                  # source: the encoded payload
  mov edi, [ebp + 8]
  add edi, ebx                  # destination: the first section
  mov ecx, [ebp + 12]
  mov edx, [ebp + 16]
decode:
  test ecx, ecx
  jz decoded
  imul edx, edx, 0x01000193
  add edx, 0x3B9ACA07
  mov eax, edx
  shr eax, 24
  xor al, [esi]
  mov [edi], al
  inc esi
  inc edi
  dec ecx
  jmp decode
decoded:
  mov esi, [ebp + 20]
  test esi, esi
  jz imports_done
  add esi, ebx                  # the original IMAGE_IMPORT_DESCRIPTORs
next_dll:
  mov eax, [esi + 12]
  test eax, eax
  jz imports_done
  add eax, ebx
  push eax
  mov eax, [ebp + 24]
  call [ebx + eax]              # LoadLibraryA(name)
  mov edi, eax
  mov edx, [esi]                # OriginalFirstThunk, else FirstThunk
  test edx, edx
  jnz have_lookup
  mov edx, [esi + 16]
have_lookup:
  add edx, ebx
  mov ecx, [esi + 16]
  add ecx, ebx
  push ecx                      # [esp + 4]: the IAT slot
  push edx                      # [esp]: the lookup entry
next_function:
  mov edx, [esp]
  mov eax, [edx]
  test eax, eax
  jz dll_done
  js by_ordinal
  lea eax, [ebx + eax + 2]      # IMAGE_IMPORT_BY_NAME.Name
  jmp resolve
by_ordinal:
  and eax, 0xFFFF
resolve:
  push eax
  push edi
  mov eax, [ebp + 28]
  call [ebx + eax]              # GetProcAddress(module, name)
  mov ecx, [esp + 4]
  mov [ecx], eax
  add dword ptr [esp], 4
  add dword ptr [esp + 4], 4
  jmp next_function
dll_done:
  add esp, 8
  add esi, 20
  jmp next_dll
imports_done:
  mov eax, [ebp]
  add eax, ebx
  mov [esp + 28], eax           # the EAX slot of pushad's frame
  popad
  jmp eax
