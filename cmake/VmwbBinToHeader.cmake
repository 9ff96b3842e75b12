# Turns a binary file into a C++ header: cmake -DINPUT=.. -DOUTPUT=.. -DSYMBOL=.. -P this
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    "
       bytes "${bytes}")
file(WRITE "${OUTPUT}"
    "// Generated from ${INPUT} at build time; do not edit.\n"
    "#pragma once\n"
    "inline constexpr unsigned char ${SYMBOL}[] = {\n    ${bytes}\n};\n")
