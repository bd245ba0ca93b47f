// Cairo 2D drawing (Debian: libcairo2-dev): every PNG figure is drawn through it.
#pragma once
#include <cairo.h>
