"""Books: ZIM files (kiwix's format) imported whole into the object store, browsed and searched in place."""
