"""整改共促: problems, rectification tasks, key units, circulars and their public copies."""
