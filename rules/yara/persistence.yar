// Ways a program makes itself start again after a reboot.

import "pe"

rule Persistence_Run_Key_Write
{
  meta:
    description = "Names the CurrentVersion\\Run registry key and imports RegSetValueEx: writes an autostart entry."
    description_ja = "レジストリのCurrentVersion\\Runキーを参照し、RegSetValueExをインポートしています（自動起動の登録）。"
    severity = "low"
    attack = "T1547.001"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $run = "Software\\Microsoft\\Windows\\CurrentVersion\\Run" nocase ascii wide
  condition:
    $run and
    (pe.imports(/^advapi32\.dll$/i, /^RegSetValueEx[AW]$/) or
     pe.imports(/^advapi32\.dll$/i, /^RegSetKeyValue[AW]$/) or
     pe.imports("ntdll.dll", "NtSetValueKey"))
}

rule Persistence_Service_Install_And_Start
{
  meta:
    description = "Imports OpenSCManager, CreateService and StartService: installs and starts a Windows service."
    description_ja = "OpenSCManager、CreateService、StartServiceをインポートしています（Windowsサービスの登録と起動）。"
    severity = "low"
    attack = "T1543.003,T1569.002"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  condition:
    pe.imports(/^advapi32\.dll$/i, /^OpenSCManager[AW]$/) and
    pe.imports(/^advapi32\.dll$/i, /^CreateService[AW]$/) and
    pe.imports(/^advapi32\.dll$/i, /^StartService[AW]$/)
}
