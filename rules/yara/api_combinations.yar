// Imports that together spell out one capability. Each API alone is ordinary; the combination
// is what injectors, downloaders and keyloggers need. The regular-expression form of pe.imports()
// is used where a DLL has two names (kernel32/kernelbase) or an API has A/W variants; DLL names
// are matched without regard to case.
//
// A module that exports the API it imports is the system library that provides it (Wine's
// kernel32.dll imports kernelbase's OpenProcess, VirtualAllocEx, ... to re-export them), not a
// program using it; the rules below leave such providers out.

import "pe"

rule Api_Process_Injection_Remote_Thread
{
  meta:
    description = "Imports the classic remote-thread injection chain: OpenProcess, VirtualAllocEx, WriteProcessMemory and CreateRemoteThread."
    description_ja = "リモートスレッドによるプロセスインジェクションに使うAPI（OpenProcess、VirtualAllocEx、WriteProcessMemory、CreateRemoteThread）をインポートしています。"
    severity = "high"
    attack = "T1055,T1055.001,T1106"
    malware_type = "loader"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    pe.imports(/^kernel(32|base)\.dll$/i, /^OpenProcess$/) and
    pe.imports(/^kernel(32|base)\.dll$/i, /^VirtualAllocEx(Numa)?$/) and
    pe.imports(/^kernel(32|base)\.dll$/i, /^WriteProcessMemory$/) and
    (
      pe.imports(/^kernel(32|base)\.dll$/i, /^CreateRemoteThread(Ex)?$/) or
      pe.imports("ntdll.dll", "NtCreateThreadEx") or
      pe.imports("ntdll.dll", "RtlCreateUserThread")
    ) and
    not pe.exports("WriteProcessMemory")
}

rule Api_Download_Execute_Urlmon
{
  meta:
    description = "Imports URLDownloadToFile together with a way to start a program (CreateProcess, ShellExecute or WinExec): download and execute."
    description_ja = "URLDownloadToFileとプログラム起動API（CreateProcess、ShellExecute、WinExec）を併せてインポートしています（ダウンロードして実行）。"
    severity = "high"
    attack = "T1105,T1106"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    pe.imports(/^urlmon\.dll$/i, /^URLDownloadToFile[AW]$/) and
    (
      pe.imports(/^kernel(32|base)\.dll$/i, /^CreateProcess[AW]$/) or
      pe.imports(/^kernel(32|base)\.dll$/i, /^WinExec$/) or
      pe.imports(/^shell32\.dll$/i, /^ShellExecute(Ex)?[AW]$/)
    )
}

rule Api_Wininet_Download_To_File
{
  meta:
    description = "Imports the WinINet calls that fetch a URL (InternetOpen, InternetOpenUrl, InternetReadFile) together with CreateFile and WriteFile: downloads a file to disk."
    description_ja = "WinINetでURLを取得するAPI（InternetOpen、InternetOpenUrl、InternetReadFile）とCreateFile/WriteFileをインポートしています（ファイルをダウンロードして保存）。"
    severity = "medium"
    attack = "T1105"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    pe.imports(/^wininet\.dll$/i, /^InternetOpen[AW]$/) and
    pe.imports(/^wininet\.dll$/i, /^InternetOpenUrl[AW]$/) and
    pe.imports("wininet.dll", "InternetReadFile") and
    pe.imports(/^kernel(32|base)\.dll$/i, /^CreateFile[AW]$/) and
    pe.imports(/^kernel(32|base)\.dll$/i, /^WriteFile$/)
}

rule Api_Keylogger_Keyboard_Hook
{
  meta:
    description = "Imports a keyboard hook (SetWindowsHookEx, CallNextHookEx) with key-state and foreground-window queries: the keylogger pattern."
    description_ja = "キーボードフック（SetWindowsHookEx、CallNextHookEx）とキー状態・前面ウィンドウ取得APIをインポートしています（キーロガーの特徴）。"
    severity = "high"
    attack = "T1056.001"
    malware_type = "keylogger,infostealer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    pe.imports(/^user32\.dll$/i, /^SetWindowsHookEx[AW]$/) and
    pe.imports("user32.dll", "CallNextHookEx") and
    (pe.imports("user32.dll", "GetAsyncKeyState") or pe.imports("user32.dll", "GetKeyState") or
     pe.imports("user32.dll", "GetKeyboardState")) and
    pe.imports("user32.dll", "GetForegroundWindow") and
    pe.imports(/^user32\.dll$/i, /^GetWindowText[AW]$/)
}

rule Api_Anti_Debug_Checks
{
  meta:
    description = "Asks in several ways whether a debugger is attached: IsDebuggerPresent and CheckRemoteDebuggerPresent, plus NtQueryInformationProcess or an OutputDebugString timing check."
    description_ja = "複数の方法でデバッガの有無を確認しています（IsDebuggerPresent、CheckRemoteDebuggerPresent、NtQueryInformationProcessまたはOutputDebugStringによる時間計測）。"
    severity = "low"
    attack = "T1622"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $query = "NtQueryInformationProcess" ascii
  condition:
    pe.imports(/^kernel(32|base)\.dll$/i, /^IsDebuggerPresent$/) and
    pe.imports(/^kernel(32|base)\.dll$/i, /^CheckRemoteDebuggerPresent$/) and
    (
      $query or
      (pe.imports(/^kernel(32|base)\.dll$/i, /^OutputDebugString[AW]$/) and
       pe.imports(/^kernel(32|base)\.dll$/i, /^(GetTickCount(64)?|QueryPerformanceCounter)$/))
    ) and
    not pe.exports("CheckRemoteDebuggerPresent")
}

rule Api_Lsass_Minidump
{
  meta:
    description = "Names lsass.exe and uses MiniDumpWriteDump with OpenProcess: dumps LSASS memory to steal credentials."
    description_ja = "lsass.exeを名指しし、OpenProcessとMiniDumpWriteDumpを使っています（LSASSのメモリダンプによる認証情報の窃取）。"
    severity = "high"
    attack = "T1003.001"
    malware_type = "infostealer,hacktool"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $lsass = "lsass.exe" nocase ascii wide
    $dump_name = "MiniDumpWriteDump" ascii
  condition:
    $lsass and
    pe.imports(/^kernel(32|base)\.dll$/i, /^OpenProcess$/) and
    (pe.imports("dbghelp.dll", "MiniDumpWriteDump") or pe.imports("dbgcore.dll", "MiniDumpWriteDump") or
     $dump_name)
}
