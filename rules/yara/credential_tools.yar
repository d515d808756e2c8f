// Credential-theft tools recognised by the commands and module names they carry.

rule Cred_Mimikatz_Module_Commands
{
  meta:
    description = "Contains at least two mimikatz module::command names (sekurlsa::logonpasswords, lsadump::sam, privilege::debug, ...)."
    description_ja = "mimikatzのモジュールコマンド名（sekurlsa::logonpasswords、lsadump::sam、privilege::debugなど）を2つ以上含んでいます。"
    severity = "critical"
    attack = "T1003.001,T1003.002,T1003.006,T1134"
    malware_type = "hacktool,infostealer"
    family = "mimikatz"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $logonpasswords = "sekurlsa::logonpasswords" nocase ascii wide
    $sekurlsa_tickets = "sekurlsa::tickets" nocase ascii wide
    $sekurlsa_pth = "sekurlsa::pth" nocase ascii wide
    $sekurlsa_minidump = "sekurlsa::minidump" nocase ascii wide
    $lsadump_sam = "lsadump::sam" nocase ascii wide
    $lsadump_secrets = "lsadump::secrets" nocase ascii wide
    $lsadump_dcsync = "lsadump::dcsync" nocase ascii wide
    $lsadump_lsa = "lsadump::lsa" nocase ascii wide
    $privilege_debug = "privilege::debug" nocase ascii wide
    $token_elevate = "token::elevate" nocase ascii wide
    $kerberos_golden = "kerberos::golden" nocase ascii wide
    $kerberos_ptt = "kerberos::ptt" nocase ascii wide
    $vault_cred = "vault::cred" nocase ascii wide
    $dpapi_masterkey = "dpapi::masterkey" nocase ascii wide
  condition:
    2 of them
}

rule Cred_LaZagne_Strings
{
  meta:
    description = "Contains LaZagne's name together with its Python module paths (lazagne.config, lazagne.softwares): the LaZagne password-recovery tool."
    description_ja = "LaZagneの名前とPythonモジュールパス（lazagne.config、lazagne.softwares）を含んでいます（パスワード窃取ツールLaZagne）。"
    severity = "high"
    attack = "T1555,T1555.003,T1552.001"
    malware_type = "hacktool,infostealer"
    family = "lazagne"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $name = "lazagne" nocase ascii wide
    $module_config = "lazagne.config" nocase ascii wide
    $module_softwares = "lazagne.softwares" nocase ascii wide
    $module_browsers = "softwares.browsers" nocase ascii wide
    $module_windows = "softwares.windows" nocase ascii wide
    $module_sysadmin = "softwares.sysadmin" nocase ascii wide
  condition:
    $name and 2 of ($module_*)
}

rule Cred_Lsass_Dump_Command_Line
{
  meta:
    description = "Contains a command line that dumps LSASS memory: procdump -ma lsass, or rundll32 comsvcs.dll MiniDump."
    description_ja = "LSASSのメモリをダンプするコマンドライン（procdump -ma lsass、rundll32 comsvcs.dll MiniDump）を含んでいます。"
    severity = "high"
    attack = "T1003.001"
    malware_type = "hacktool"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $procdump = /procdump(64)?(\.exe)?["']?\s+([-\/][a-z]+\s+){0,4}[-\/]ma\s+([-\/][a-z]+\s+){0,2}lsass/ nocase ascii wide
    $comsvcs = /comsvcs(\.dll)?["']?\s*,\s*(#\s*24|MiniDump)\b/ nocase ascii wide
  condition:
    any of them
}
