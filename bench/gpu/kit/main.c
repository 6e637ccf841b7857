/* Entry point of a kit program: the module's @main, renamed so that it
 * does not clash with C's. */
void qblock_case_main(void);

int main(void) {
  qblock_case_main();
  return 0;
}
