# The tanaw command: main.c dispatches to cmd_<name>.c (one per subcommand).
# Uses only the public header.
add_executable(tanaw_cli
  src/cli/main.c
  src/cli/args.c
  src/cli/pipeline.c
  src/cli/cmd_local.c
  src/cli/cmd_moran.c
  src/cli/cmd_weights.c
  src/cli/cmd_simulate.c
  src/cli/cmd_geography.c
  src/cli/cmd_scan.c
  src/cli/cmd_geocode.c
  src/cli/cmd_emerging.c
  src/cli/cmd_kde.c
  src/cli/cmd_db.c
  src/cli/cmd_key.c
  src/cli/cmd_dedup.c
  src/cli/public.c)
set_target_properties(tanaw_cli PROPERTIES OUTPUT_NAME tanaw)
target_include_directories(tanaw_cli PRIVATE include)
target_link_libraries(tanaw_cli PRIVATE tanaw)
target_compile_options(tanaw_cli PRIVATE ${TANAW_WARNINGS})
