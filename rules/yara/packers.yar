// Packers and protectors recognised by their section names and code entropy. A packer alone is
// not malicious (commercial software uses Themida and VMProtect too), so these rules are "low":
// they explain why static analysis saw little, and add weight only together with other findings.
// PE/COFF spec 3 (Section Table): section names are 8-byte, NUL-padded ASCII.

import "pe"
import "math"

rule Packer_UPX_Sections
{
  meta:
    description = "Packed with UPX: the UPX0 and UPX1 sections (or one of them plus the UPX! header marker) are present."
    description_ja = "UPXでパックされています（UPX0とUPX1セクション、またはUPX!マーカー）。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  strings:
    // UPX writes its pack header ("UPX!", version, method) just before the first section data.
    $marker = "UPX!"
  condition:
    pe.number_of_sections > 0 and
    (
      (for any s in pe.sections : (s.name == "UPX0") and for any s in pe.sections : (s.name == "UPX1")) or
      ($marker in (0 .. 0x1000) and for any s in pe.sections : (s.name == "UPX0" or s.name == "UPX1"))
    )
}

rule Packer_MPRESS_Sections
{
  meta:
    description = "Packed with MPRESS: sections named .MPRESS1 and .MPRESS2."
    description_ja = "MPRESSでパックされています（.MPRESS1と.MPRESS2セクション）。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    for any s in pe.sections : (s.name == ".MPRESS1") and
    for any s in pe.sections : (s.name == ".MPRESS2")
}

rule Packer_ASPack_Sections
{
  meta:
    description = "Packed with ASPack: a section named .aspack (often with .adata)."
    description_ja = "ASPackでパックされています（.aspackセクション）。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    for any s in pe.sections : (s.name == ".aspack")
}

rule Packer_Themida_Sections
{
  meta:
    description = "Protected with Themida or WinLicense: a section named .themida or .winlice."
    description_ja = "Themida/WinLicenseで保護されています（.themidaまたは.winliceセクション）。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    for any s in pe.sections : (s.name == ".themida" or s.name == ".winlice")
}

rule Packer_VMProtect_Sections
{
  meta:
    description = "Protected with VMProtect: sections named .vmp0, .vmp1 or .vmp2."
    description_ja = "VMProtectで保護されています（.vmp0/.vmp1/.vmp2セクション）。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    for any s in pe.sections : (s.name == ".vmp0" or s.name == ".vmp1" or s.name == ".vmp2")
}

rule Packer_High_Entropy_Code_Section
{
  meta:
    description = "An executable section of more than 4 KiB has entropy above 7.2 bits per byte, which compiled code never reaches: the code is packed or encrypted."
    description_ja = "4KiBを超える実行可能セクションのエントロピーが7.2を超えています。コードが圧縮または暗号化されています。"
    severity = "low"
    attack = "T1027.002"
    malware_type = "packer"
    author = "Kensa"
    date = "2026-11-26"
  condition:
    // Compiled x86/x64 code sits around 5.5-6.8 bits per byte; compressed or encrypted data
    // approaches 8.
    for any s in pe.sections : (
      (s.characteristics & pe.SECTION_MEM_EXECUTE) != 0 and
      s.raw_data_size > 4096 and
      s.raw_data_offset + s.raw_data_size <= filesize and
      math.entropy(s.raw_data_offset, s.raw_data_size) > 7.2
    )
}
