# The tanaw command: main.c dispatches to cmd_<name>.c (one per subcommand).
# Uses only the public header.
file(GLOB TANAW_CLI_SOURCES CONFIGURE_DEPENDS src/cli/*.c)
if(TANAW_CLI_SOURCES)
  add_executable(tanaw_cli ${TANAW_CLI_SOURCES})
  set_target_properties(tanaw_cli PROPERTIES OUTPUT_NAME tanaw)
  target_link_libraries(tanaw_cli PRIVATE tanaw)
  target_compile_options(tanaw_cli PRIVATE ${TANAW_WARNINGS})
endif()
