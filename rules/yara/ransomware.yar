// Ransomware: the note it leaves, the recovery it destroys, and the encrypt-and-rename walk.
// Japanese phrases are matched in UTF-8, UTF-16LE and Shift_JIS, the three encodings such notes
// and binaries use; the hex below is each phrase in that encoding.

import "pe"

rule Ransom_Note_English_Phrases
{
  meta:
    description = "Contains English ransom-note wording: files have been encrypted, together with payment or recovery terms such as bitcoin, decrypt or Tor browser."
    description_ja = "英語の脅迫文（ファイルが暗号化された旨と、ビットコイン・復号・Torブラウザなどの支払い/復旧の文言）を含んでいます。"
    severity = "high"
    attack = "T1486"
    malware_type = "ransomware"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $head1 = "All your files have been encrypted" nocase ascii wide
    $head2 = "your files are encrypted" nocase ascii wide
    $head3 = "your important files have been encrypted" nocase ascii wide
    $head4 = "files have been encrypted" nocase ascii wide
    $pay1 = "bitcoin" nocase ascii wide
    $pay2 = "decrypt" nocase ascii wide
    $pay3 = "Tor browser" nocase ascii wide
    $pay4 = ".onion" nocase ascii wide
    $pay5 = "private key" nocase ascii wide
    $pay6 = "BTC wallet" nocase ascii wide
  condition:
    (any of ($head1, $head2, $head3) and 2 of ($pay*)) or
    ($head4 and 3 of ($pay*))
}

rule Ransom_Note_Japanese_Phrases
{
  meta:
    description = "Contains Japanese ransom-note wording: \"your files have been encrypted\", or \"has been encrypted\" with two of ransom, bitcoin, decryption or restore."
    description_ja = "日本語の脅迫文（「ファイルは暗号化されました」、または「暗号化されました」と身代金・ビットコイン・復号・復元の語）を含んでいます。"
    severity = "high"
    attack = "T1486"
    malware_type = "ransomware"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // ファイルは暗号化されました / ファイルが暗号化されました
    $files_utf8 = { E3 83 95 E3 82 A1 E3 82 A4 E3 83 AB E3 81 (AF | 8C) E6 9A 97 E5 8F B7 E5 8C 96 E3 81 95 E3 82 8C E3 81 BE E3 81 97 E3 81 9F }
    $files_utf16 = { D5 30 A1 30 A4 30 EB 30 (6F | 4C) 30 97 66 F7 53 16 53 55 30 8C 30 7E 30 57 30 5F 30 }
    $files_sjis = { 83 74 83 40 83 43 83 8B 82 (CD | AA) 88 C3 8D 86 89 BB 82 B3 82 EA 82 DC 82 B5 82 BD }
    // 暗号化されました
    $enc_utf8 = { E6 9A 97 E5 8F B7 E5 8C 96 E3 81 95 E3 82 8C E3 81 BE E3 81 97 E3 81 9F }
    $enc_utf16 = { 97 66 F7 53 16 53 55 30 8C 30 7E 30 57 30 5F 30 }
    $enc_sjis = { 88 C3 8D 86 89 BB 82 B3 82 EA 82 DC 82 B5 82 BD }
    // 身代金 (ransom)
    $ctx_ransom_utf8 = { E8 BA AB E4 BB A3 E9 87 91 }
    $ctx_ransom_utf16 = { AB 8E E3 4E D1 91 }
    $ctx_ransom_sjis = { 90 67 91 E3 8B E0 }
    // ビットコイン (bitcoin)
    $ctx_btc_utf8 = { E3 83 93 E3 83 83 E3 83 88 E3 82 B3 E3 82 A4 E3 83 B3 }
    $ctx_btc_utf16 = { D3 30 C3 30 C8 30 B3 30 A4 30 F3 30 }
    $ctx_btc_sjis = { 83 72 83 62 83 67 83 52 83 43 83 93 }
    // 復号 (decryption)
    $ctx_decrypt_utf8 = { E5 BE A9 E5 8F B7 }
    $ctx_decrypt_utf16 = { A9 5F F7 53 }
    $ctx_decrypt_sjis = { 95 9C 8D 86 }
    // 復元するには (to restore ...)
    $ctx_restore_utf8 = { E5 BE A9 E5 85 83 E3 81 99 E3 82 8B E3 81 AB E3 81 AF }
    $ctx_restore_utf16 = { A9 5F 43 51 59 30 8B 30 6B 30 6F 30 }
    $ctx_restore_sjis = { 95 9C 8C B3 82 B7 82 E9 82 C9 82 CD }
  condition:
    any of ($files_*) or
    (any of ($enc_*) and 2 of ($ctx_*))
}

rule Ransom_Shadow_Copy_Deletion
{
  meta:
    description = "Contains a command that deletes Volume Shadow Copies or the backup catalog (vssadmin, wmic shadowcopy, wbadmin, Win32_ShadowCopy Delete)."
    description_ja = "ボリュームシャドウコピーやバックアップカタログを削除するコマンド（vssadmin、wmic shadowcopy、wbadmin、Win32_ShadowCopyのDelete）を含んでいます。"
    severity = "high"
    attack = "T1490"
    malware_type = "ransomware"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $vssadmin = /vssadmin(\.exe)?["']?\s+delete\s+shadows/ nocase ascii wide
    $wmic = /wmic(\.exe)?["']?\s+shadowcopy\s+delete/ nocase ascii wide
    $wbadmin = /wbadmin(\.exe)?["']?\s+delete\s+(catalog|systemstatebackup|backup)/ nocase ascii wide
    $wmi_object = /Win32_ShadowCopy[^\r\n]{0,100}\.Delete\(/ nocase ascii wide
    $resize = /vssadmin(\.exe)?["']?\s+resize\s+shadowstorage\s[^\r\n]{0,60}\/maxsize=\s*401MB/ nocase ascii wide
  condition:
    any of them
}

rule Ransom_Boot_Recovery_Disabled
{
  meta:
    description = "Contains a bcdedit command that disables Windows recovery or makes boot ignore failures."
    description_ja = "Windowsの回復機能を無効化する、または起動失敗を無視させるbcdeditコマンドを含んでいます。"
    severity = "high"
    attack = "T1490"
    malware_type = "ransomware"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $recovery = /bcdedit(\.exe)?["']?\s+\/set\s+\{?(default|current)\}?\s+recoveryenabled\s+(no|off|0)/ nocase ascii wide
    $policy = /bcdedit(\.exe)?["']?\s+\/set\s+\{?(default|current)\}?\s+bootstatuspolicy\s+ignoreallfailures/ nocase ascii wide
  condition:
    any of them
}
