import AERun
