#pragma once
// Text and script classification: decides whether bytes are text and, if so, which script
// language (PowerShell, VBScript, JScript, batch, HTA...) they most look like. Scripts are
// recognised by the constructs their interpreters need, counted over the head of the file, not
// by extension.

#include "kensa/core/bytes.h"
#include "kensa/sample/v1/sample.pb.h"

namespace kensa::identify {

// "script" with a language tag, "text", "eml", "url_shortcut", or "unknown" for binary data.
sample::v1::FileType ClassifyText(ByteSpan data);

}  // namespace kensa::identify
