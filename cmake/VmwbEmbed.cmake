# vmwb_embed_nasm(<target> <source.asm> <symbol>)
# Assembles <source.asm> with NASM into a flat binary at build time and adds a generated
# header <symbol>.inc to <target> that defines `inline constexpr unsigned char <symbol>[]`.
function(vmwb_embed_nasm target source symbol)
    get_filename_component(abs_source "${source}" ABSOLUTE)
    set(bin "${CMAKE_CURRENT_BINARY_DIR}/generated/${symbol}.bin")
    set(inc "${CMAKE_CURRENT_BINARY_DIR}/generated/${symbol}.inc")
    add_custom_command(
        OUTPUT "${inc}"
        COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_CURRENT_BINARY_DIR}/generated"
        COMMAND ${NASM_EXECUTABLE} -f bin -w+all -o "${bin}" "${abs_source}"
        COMMAND ${CMAKE_COMMAND} -DINPUT=${bin} -DOUTPUT=${inc} -DSYMBOL=${symbol}
                -P "${PROJECT_SOURCE_DIR}/cmake/VmwbBinToHeader.cmake"
        DEPENDS "${abs_source}" "${PROJECT_SOURCE_DIR}/cmake/VmwbBinToHeader.cmake"
        COMMENT "Assembling ${source}"
        VERBATIM)
    target_sources(${target} PRIVATE "${inc}")
    target_include_directories(${target} PRIVATE "${CMAKE_CURRENT_BINARY_DIR}/generated")
endfunction()
