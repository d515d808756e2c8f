#pragma once
// What the users of a Windows host opened and what its shortcuts start, from the shortcut files
// of a collection, read with libs/lnk: Recent items (…/Microsoft/Windows/Recent/*.lnk), jump
// lists (AutomaticDestinations: a compound file whose streams other than DestList are
// shortcuts, read with libs/ole; CustomDestinations: shortcuts one after another), Startup
// folder and desktop shortcuts. One row per shortcut, so that the host checks in
// rules/hunt/windows.yaml can flag shortcuts that start script hosts with a payload, programs
// opened from removable or network drives, double extensions and disk images, with the
// target's times for the timeline. A jump list's DestList stream (libs/lnk dest_list.h) gives
// each of its shortcuts when the application last opened it, its pin, its use count (Windows 10)
// and the NetBIOS name of the computer it was opened on.

#include <string>
#include <vector>

#include "kensa/collection/collection.h"

namespace kensa::hunt {

struct ShortcutTable {
  // time (when the user last opened it: the DestList's last use for a jump list entry, else
  // target_accessed), target_accessed, source, user, target_path, arguments, command_line,
  // working_dir, target_created, target_modified, target_size, drive_type, volume_serial,
  // volume_label, network_share, machine_id, mac_address, anomalies, shortcut,
  // jumplist_last_used, jumplist_pinned (yes/no), jumplist_uses, jumplist_host; empty when no
  // shortcut was read.
  std::string tsv;
  std::size_t files_read = 0;
  std::size_t shortcuts = 0;
  std::vector<std::string> problems;  // "<path>: <what>"
};

ShortcutTable DeriveShortcutTable(const collection::Collection& collection);

// Adds derived/shortcuts.tsv (artifact shortcuts) when there is anything to add; returns the
// problems met.
std::vector<std::string> AddShortcutTable(collection::Collection* collection);

}  // namespace kensa::hunt
