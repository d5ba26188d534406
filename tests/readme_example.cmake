# Fails unless the README contains the code of EXAMPLE between the markers
# "<!-- example: examples/01_quick_start.cpp -->" + ```cpp and the closing ```.
file(READ ${README} readme)
file(READ ${EXAMPLE} example)
get_filename_component(name ${EXAMPLE} NAME)
string(FIND "${readme}" "<!-- example: examples/${name} -->\n```cpp\n${example}```" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show examples/${name} verbatim after its marker; copy the file into the README")
endif()
