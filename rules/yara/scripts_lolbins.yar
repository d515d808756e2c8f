// Command lines that abuse PowerShell and Windows' own binaries ("living off the land") to fetch
// and run code. They match in scripts, documents, LNK targets and inside executables alike.

rule Script_PowerShell_Encoded_Command
{
  meta:
    description = "Starts PowerShell with -EncodedCommand (or a prefix of it such as -enc or -e) and a long Base64 argument: hides the script it runs."
    description_ja = "PowerShellを-EncodedCommand（-enc、-eなどの省略形を含む）と長いBase64引数で起動しています（実行するスクリプトの隠蔽）。"
    severity = "high"
    attack = "T1059.001,T1027"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // PowerShell accepts any unambiguous prefix of -EncodedCommand; -e and -ec are common.
    $encoded = /powershell(\.exe)?["']?\s[^\r\n]{0,100}\s[-\/](e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+["']?[A-Za-z0-9+\/]{40}/ nocase ascii wide
    $encoded_first = /powershell(\.exe)?["']?\s+[-\/](e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+["']?[A-Za-z0-9+\/]{40}/ nocase ascii wide
  condition:
    any of them
}

rule Script_PowerShell_Download_Cradle
{
  meta:
    description = "Contains a PowerShell download cradle: IEX / Invoke-Expression run code fetched with Net.WebClient DownloadString or Invoke-WebRequest."
    description_ja = "PowerShellのダウンロードクレードル（Net.WebClientのDownloadStringやInvoke-WebRequestで取得したコードをIEX/Invoke-Expressionで実行）を含んでいます。"
    severity = "high"
    attack = "T1059.001,T1105"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // IEX (New-Object Net.WebClient).DownloadString('http://...')
    $iex_webclient = /(IEX|Invoke-Expression)\s*\(?\s*\(?\s*New-Object\s+(System\.)?Net\.WebClient\s*\)?\s*\.\s*Download(String|Data)\s*\(/ nocase ascii wide
    // (New-Object Net.WebClient).DownloadString('http://...') | IEX
    $webclient_pipe = /\.\s*DownloadString\s*\([^)\r\n]{1,200}\)\s*\|\s*(IEX|Invoke-Expression)\b/ nocase ascii wide
    // IWR / Invoke-WebRequest / curl / wget http://... | IEX
    $iwr_pipe = /\b(IWR|Invoke-WebRequest|Invoke-RestMethod|IRM|curl|wget)\s+[^\r\n|]{0,200}\|\s*(IEX|Invoke-Expression)\b/ nocase ascii wide
    // IEX (IWR 'http://...')   /   IEX (Invoke-RestMethod ...)
    $iex_iwr = /\b(IEX|Invoke-Expression)\s*\(\s*(IWR|Invoke-WebRequest|Invoke-RestMethod|IRM)\s/ nocase ascii wide
  condition:
    any of them
}

rule Lolbin_Certutil_Download
{
  meta:
    description = "Uses certutil -urlcache (or -verifyctl) with -f and an http(s) URL to download a file."
    description_ja = "certutilの-urlcache（または-verifyctl）と-f、http(s)のURLでファイルをダウンロードしています。"
    severity = "high"
    attack = "T1105,T1218"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $urlcache = /certutil(\.exe)?["']?\s[^\r\n]{0,40}[-\/](urlcache|verifyctl)\s[^\r\n]{0,40}[-\/]f\s[^\r\n]{0,20}https?:\/\// nocase ascii wide
  condition:
    $urlcache
}

rule Lolbin_Certutil_Decode
{
  meta:
    description = "Uses certutil -decode or -decodehex to turn an encoded file back into a binary."
    description_ja = "certutilの-decodeまたは-decodehexでエンコードされたファイルをバイナリに戻しています。"
    severity = "medium"
    attack = "T1140"
    malware_type = "dropper"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $decode = /certutil(\.exe)?["']?\s+([-\/][a-z]+\s+){0,3}[-\/]decode(hex)?\s+\S+\s+\S+/ nocase ascii wide
  condition:
    $decode
}

rule Lolbin_Mshta_Remote_Script
{
  meta:
    description = "Runs mshta with an http(s) URL or inline vbscript:/javascript: code."
    description_ja = "mshtaをhttp(s)のURLまたはvbscript:/javascript:のインラインコードで実行しています。"
    severity = "high"
    attack = "T1218.005"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $mshta = /mshta(\.exe)?["']?\s+["']?(https?:\/\/|vbscript:|javascript:)/ nocase ascii wide
  condition:
    $mshta
}

rule Lolbin_Regsvr32_Scrobj
{
  meta:
    description = "Runs regsvr32 with /i: pointing at an http(s) URL and scrobj.dll (the \"Squiblydoo\" technique)."
    description_ja = "regsvr32を/i:でhttp(s)のURLとscrobj.dllを指定して実行しています（Squiblydoo手法）。"
    severity = "high"
    attack = "T1218.010"
    malware_type = "downloader"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $squiblydoo = /regsvr32(\.exe)?["']?\s[^\r\n]{0,60}[-\/]i:\s*["']?https?:\/\/[^\r\n]{0,200}scrobj(\.dll)?/ nocase ascii wide
  condition:
    $squiblydoo
}

rule Lolbin_Rundll32_Script_Protocol
{
  meta:
    description = "Runs rundll32 with a javascript: or vbscript: argument (mshtml RunHTMLApplication abuse)."
    description_ja = "rundll32をjavascript:またはvbscript:の引数で実行しています（mshtmlのRunHTMLApplication悪用）。"
    severity = "high"
    attack = "T1218.011"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $script = /rundll32(\.exe)?["']?\s+(javascript|vbscript):/ nocase ascii wide
  condition:
    $script
}

rule Script_Cmd_Discovery_Redirect
{
  meta:
    description = "Runs a discovery command (whoami, ipconfig, systeminfo, net user, tasklist, nltest) through cmd /c and writes the output to a file."
    description_ja = "cmd /c で探索コマンド（whoami、ipconfig、systeminfo、net user、tasklist、nltest）を実行し、結果をファイルに書き出しています。"
    severity = "low"
    attack = "T1059.003,T1033,T1082,T1087"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    $discovery = /cmd(\.exe)?["']?\s+\/c\s+["']?(whoami|ipconfig|systeminfo|tasklist|nltest|net\s+(user|group|localgroup|view))\b[^\r\n>]{0,60}>>?\s*\S/ nocase ascii wide
  condition:
    $discovery
}
