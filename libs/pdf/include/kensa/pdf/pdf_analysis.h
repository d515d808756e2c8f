#pragma once
// PDF documents in the static stage: structure read by qpdf (libqpdf, the one adapter that
// includes it), a raw pdfid-style keyword count over the bytes, and the findings both give.
//
//   kensa::pdf::PdfAnalysis pdf = kensa::pdf::AnalyzePdf(bytes);
//   result.mutable_pdf()->CopyFrom(pdf.info);   // facts (proto/kensa/analysis/v1/pdf.proto)
//   pdf.anomalies                                // findings, matched by rules/signatures/pdf.yaml
//   pdf.embedded_file_data[i]                    // bytes of pdf.info.embedded_files(i)
//   pdf.decoded_texts                            // (source, text) for indicator extraction
//
// What is read: document information, page count, encryption (and whether an empty user
// password opens it), JavaScript wherever it hides (/OpenAction, /AA of the catalog, pages,
// annotations and fields, link and widget /A actions, /Next chains, the JavaScript name tree,
// <script> in XFA forms, and any other action dictionary, referenced or not), Launch /
// URI / SubmitForm / GoToR / GoToE / ImportData actions, embedded files (name tree,
// FileAttachment annotations, file specifications, stray EmbeddedFile streams), stream filters.
// Streams are decoded (Flate, LZW, ASCIIHex, ASCII85, RunLength) only where their content is
// needed; DCT and JBIG2 data are never decoded.
//
// Findings (Anomaly.code):
//   pdf_javascript                   a script is present (detail: count, first location)
//   pdf_javascript_auto_run          a script runs on open (OpenAction, AA, name tree, XFA event)
//   pdf_launch_action                a Launch action (detail: program, parameters, location)
//   pdf_launch_action_auto_run       a Launch action run by OpenAction or AA
//   pdf_embedded_file                a file is embedded (detail: name, size, sha256)
//   pdf_embedded_executable          an embedded file is a program or script (content or name)
//   pdf_javascript_exports_attachment a script calls exportDataObject and a file is embedded
//   pdf_exploit_api                  a script calls an Acrobat API known from exploits (CVE)
//   pdf_heap_spray                   a script holds a NOP-sled literal or bulk %u shellcode
//   pdf_javascript_obfuscation       eval with unescape/fromCharCode, many fromCharCode, or a
//                                    huge string literal
//   pdf_name_obfuscation             a security-relevant name written with #xx escapes
//   pdf_jbig2                        a stream uses JBIG2Decode
//   pdf_encrypted                    the document is encrypted
//   pdf_password_protected           a user password is needed: contents could not be read
//   pdf_uri                          a URI action (detail: the URL)
//   pdf_submitform                   a SubmitForm action (detail: where the form goes)
//   pdf_remote_action                GoToR / GoToE / ImportData (detail: the file)
//   pdf_unc_target                   an action points at a UNC / SMB path (forced NTLM auth)
//   pdf_rich_media                   Flash or other RichMedia content
//   pdf_recovered                    qpdf had to repair the file (detail: its first warning)
//   pdf_keywords_hidden_from_raw_scan the parser sees a keyword the raw bytes never spell
//                                    (compressed object streams: hidden from pdfid-like tools)
//   pdf_keywords_outside_structure   the raw bytes spell a keyword no parsed object has
//                                    (unreferenced or broken objects)
//   pdf_unparseable                  qpdf could not open the file at all
//   pdf_too_large / pdf_object_limit / pdf_node_limit / pdf_time_limit /
//   pdf_decoded_bytes_limit / pdf_javascript_limit / pdf_action_chain_limit
//                                    a bound stopped part of the analysis

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/pdf.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/pdf/pdf_limits.h"

namespace kensa::pdf {

struct PdfAnalysis {
  analysis::v1::PdfInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
  // Bytes of info.embedded_files, same order.
  std::vector<Bytes> embedded_file_data;
  // (source label, text) decoded out of the document for indicator extraction: each script
  // ("pdf.javascript:<location>") and each action target ("pdf.action:URI").
  std::vector<std::pair<std::string, std::string>> decoded_texts;
  // Why qpdf could not open the file ("invalid password", "can't find startxref..."); the raw
  // keyword scan still ran. Empty when it opened.
  std::string error;
};

// Never fails: a file qpdf cannot read still gets the raw scan and a finding.
PdfAnalysis AnalyzePdf(ByteSpan data, const PdfLimits& limits = {});

}  // namespace kensa::pdf
