// Position-independent code that finds Windows APIs without an import table: it walks the PEB to
// the loader's module list, walks a DLL's export directory, and compares ROR-13 hashes of the
// export names. Offsets: PEB.Ldr at +0x0C (x86) / +0x18 (x64); PEB_LDR_DATA's module lists at
// +0x0C/+0x14/+0x1C (x86) and +0x10/+0x20/+0x30 (x64); IMAGE_NT_HEADERS' export directory entry
// at +0x78 (PE32) / +0x88 (PE32+) (PE/COFF spec 3.4.3 Optional Header Data Directories).

rule Shellcode_PEB_Walk_x86
{
  meta:
    description = "x86 code reads the PEB from fs:[0x30], then PEB.Ldr and one of its module lists: walks the loaded modules the way shellcode does."
    description_ja = "x86コードがfs:[0x30]からPEBを読み、PEB.Ldrとモジュールリストをたどっています（シェルコード特有のモジュール探索）。"
    severity = "high"
    attack = "T1027.007,T1620"
    malware_type = "loader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // mov eax, fs:[0x30]
    $moffs = { 64 A1 30 00 00 00 [0-8] 8B ?? 0C [0-8] 8B ?? (0C | 14 | 1C) }
    // mov r32, fs:[0x30] (ModRM with a disp32 and no base register)
    $modrm = { 64 8B (05 | 0D | 15 | 1D | 25 | 2D | 35 | 3D) 30 00 00 00 [0-8] 8B ?? 0C [0-8] 8B ?? (0C | 14 | 1C) }
    // xor r32, r32 then mov r32, fs:[r32+0x30]
    $zeroed = { 31 ?? 64 8B ?? 30 [0-8] 8B ?? 0C [0-8] 8B ?? (0C | 14 | 1C) }
  condition:
    any of them
}

rule Shellcode_PEB_Walk_x64
{
  meta:
    description = "x64 code reads the PEB from gs:[0x60], then PEB.Ldr and one of its module lists: walks the loaded modules the way shellcode does."
    description_ja = "x64コードがgs:[0x60]からPEBを読み、PEB.Ldrとモジュールリストをたどっています（シェルコード特有のモジュール探索）。"
    severity = "high"
    attack = "T1027.007,T1620"
    malware_type = "loader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // mov r64, gs:[0x60]; mov r64, [r64+0x18]; mov r64, [r64+0x10|0x20|0x30]
    $peb = { 65 (48 | 4C) 8B (04 | 0C | 14 | 1C | 24 | 2C | 34 | 3C) 25 60 00 00 00 [0-8] (48 | 49 | 4C | 4D) 8B ?? 18 [0-8] (48 | 49 | 4C | 4D) 8B ?? (10 | 20 | 30) }
  condition:
    $peb
}

rule Shellcode_ROR13_API_Hashing
{
  meta:
    description = "Contains a ROR-13 name-hashing loop (lodsb, rotate by 13, add) or at least two well-known ROR-13 API hashes (LoadLibraryA, GetProcAddress, VirtualAlloc, WinExec, ...): resolves APIs by hash."
    description_ja = "ROR13によるAPI名ハッシュ計算ループ、または既知のROR13 APIハッシュ値（LoadLibraryA、GetProcAddress、VirtualAlloc、WinExecなど）を2つ以上含んでいます（ハッシュによるAPI解決）。"
    severity = "high"
    attack = "T1027.007,T1106"
    malware_type = "loader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // lodsb; ...; ror r32, 13 (C1 /1 ib; the nibble wildcard also admits rol); ...; add r32, r32.
    // The gap before `add` leaves room for a REX prefix, so x64 loops match too.
    $loop = { AC [0-6] C1 C? 0D [0-2] (01 | 03) }
    // ROR-13 of the export name alone (classic x86 shellcode), little-endian
    $h_loadlibrarya = { 8E 4E 0E EC }
    $h_getprocaddress = { AA FC 0D 7C }
    $h_virtualalloc = { 54 CA AF 91 }
    $h_winexec = { 98 FE 8A 0E }
    $h_exitprocess = { 7E D8 E2 73 }
    $h_createprocessa = { 72 FE B3 16 }
    // Module hash + name hash as Metasploit's block_api computes them
    $h_k32_loadlibrarya = { 4C 77 26 07 }
    $h_k32_getprocaddress = { 49 F7 02 78 }
    $h_k32_virtualalloc = { 58 A4 53 E5 }
    $h_k32_winexec = { 31 8B 6F 87 }
    $h_k32_exitprocess = { F0 B5 A2 56 }
    $h_ws2_wsastartup = { 29 80 6B 00 }
    $h_ws2_connect = { 99 A5 74 61 }
    $h_ws2_wsasocketa = { EA 0F DF E0 }
  condition:
    $loop or 2 of ($h_*)
}

rule Shellcode_Export_Walk_By_Hash
{
  meta:
    description = "Walks a DLL's export directory (e_lfanew at +0x3C, export entry at +0x78 or +0x88) and then hashes names with a rotate-by-13 loop: GetProcAddress re-implemented by hash."
    description_ja = "DLLのエクスポートディレクトリ（e_lfanew +0x3C、エクスポートエントリ +0x78/+0x88）をたどり、13ビット回転のループで名前をハッシュ化しています（ハッシュによるGetProcAddressの自前実装）。"
    severity = "high"
    attack = "T1027.007,T1106"
    malware_type = "loader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // mov r32, [r32+0x3c] ... mov r32, [r32+0x78] ... lodsb ... ror r32, 13   (PE32)
    $walk_pe32 = { 8B ?? 3C [0-6] 8B ?? 78 [0-48] AC [0-6] C1 C? 0D }
    // mov r32, [r64+0x3c] ... mov r32, [r64+0x88] (disp32) ... lodsb ... ror r32, 13   (PE32+)
    $walk_pe64 = { 8B ?? 3C [0-8] 8B ?? 88 00 00 00 [0-48] AC [0-7] C1 C? 0D }
  condition:
    any of them
}
