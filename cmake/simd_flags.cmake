# The instruction-set flags of the SIMD kernel files, by name: *_avx2.cpp,
# *_avxvnni.cpp (AVX2 + AVX-VNNI), *_avx512.cpp, *_avx512vnni.cpp. Each file is
# compiled for its own set and chosen at run time (src/core/cpu_features.h); the
# main build and the fuzz build (fuzz/CMakeLists.txt) both use this.
function(gptqt_simd_flags)
  foreach(f IN LISTS ARGN)
    if(f MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;-mbmi2")
    elseif(f MATCHES "_avxvnni\\.cpp$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;-mbmi2;-mavxvnni")
    elseif(f MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mf16c;-mbmi2")
    elseif(f MATCHES "_avx512vnni\\.cpp$")
      set_source_files_properties(${f} PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni;-mfma;-mf16c;-mbmi2")
    endif()
  endforeach()
endfunction()
