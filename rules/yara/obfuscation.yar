// Strings hidden from a plain search.

rule Obfuscation_Xor_Encoded_Url
{
  meta:
    description = "Contains \"http://\" or \"https://\" XOR-encoded with a one-byte key: a URL hidden from string searches and decoded at run time."
    description_ja = "1バイトのキーでXORエンコードされた\"http://\"または\"https://\"を含んでいます（実行時に復号される隠されたURL）。"
    severity = "medium"
    attack = "T1027,T1140"
    malware_type = ""
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // Key 0x00 is the clear text, which is not obfuscation; every other key is tried.
    $http = "http://" xor(0x01-0xff)
    $https = "https://" xor(0x01-0xff)
  condition:
    uint16(0) == 0x5A4D and any of them
}
