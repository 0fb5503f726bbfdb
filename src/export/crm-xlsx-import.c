/* SPDX-License-Identifier: GPL-3.0-or-later */
/* crm-xlsx-import.c — the first worksheet of an XLSX file as rows to import. libgsf opens
 * the zip and follows the package's relationships (_rels/.rels → the workbook → its
 * first sheet, shared strings and styles); libxml2's streaming reader walks each part as
 * libgsf inflates it, so a large sheet is never held whole and every byte is counted
 * against CRM_XLSX_MAX_UNPACKED. */
#define G_LOG_DOMAIN "voronka-import"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <gsf/gsf.h>
#include <libxml/xmlreader.h>

#include "crm-error.h"
#include "crm-xlsx-import.h"

#define REL_OFFICE_DOCUMENT \
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
#define REL_SHARED_STRINGS \
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
#define REL_STYLES \
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
#define REL_WORKSHEET \
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
#define NS_RELATIONSHIPS \
  "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GsfInput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GsfInfile, g_object_unref)

#define MAX_CELL_BYTES     (64 * 1024)
#define MAX_SHARED_STRINGS (16 * 1024 * 1024)

typedef struct {
  GPtrArray    *strings;      /* the shared strings */
  GArray       *date_styles;  /* per cell style (cellXfs index): gboolean, a date format */
  gboolean      date1904;
  gsize         unpacked;     /* bytes read from every part so far */
  GCancellable *cancellable;
  GError       *error;        /* the first error met (reading, limits, the content) */
} Book;

static gboolean
damaged (GError     **error,
         const char  *what)
{
  g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
               /* Translators: %s says what is wrong, e.g. "its sheet is not well-formed XML" */
               _("The XLSX file is damaged or cut short (%s): open it in the spreadsheet "
                 "program and save it again, or save it as CSV"), what);
  return FALSE;
}

gboolean
crm_xlsx_is_zip (const char *data,
                 gsize       length)
{
  return length >= 4 && memcmp (data, "PK\x03\x04", 4) == 0;
}

/* --- a part of the package, streamed into libxml2 ------------------------------------ */

typedef struct {
  Book     *book;
  GsfInput *input;
} Part;

static int
part_read (void *context,
           char *buffer,
           int   len)
{
  Part *part = context;
  gsf_off_t remaining = gsf_input_remaining (part->input);
  size_t n = (size_t) MIN ((gsf_off_t) len, remaining);

  if (part->book->error != NULL)
    return -1;
  if (n == 0)
    return 0;
  if (part->book->unpacked + n > CRM_XLSX_MAX_UNPACKED)
    {
      g_set_error (&part->book->error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The XLSX file unpacks to more than %u MB; split the table and import "
                     "the parts"), (guint) (CRM_XLSX_MAX_UNPACKED / 1048576));
      return -1;
    }
  if (gsf_input_read (part->input, n, (guint8 *) buffer) == NULL)
    {
      damaged (&part->book->error, _("a part cannot be unpacked"));
      return -1;
    }
  part->book->unpacked += n;
  return (int) n;
}

static int
part_close (void *context)
{
  return 0;
}

static void
ignore_xml_error (void                    *arg,
                  const char              *msg,
                  xmlParserSeverities      severity,
                  xmlTextReaderLocatorPtr  locator)
{
  /* reported once, in our words, by read_part()'s caller */
}

/* A streaming reader over @input (NULL when the part is missing). No network, no DTD, no
 * entities expanded. */
static xmlTextReaderPtr
part_reader (Part *part)
{
  xmlTextReaderPtr reader = xmlReaderForIO (part_read, part_close, part, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                            XML_PARSE_NOWARNING);

  if (reader != NULL)
    xmlTextReaderSetErrorHandler (reader, ignore_xml_error, NULL);
  return reader;
}

/* Reads the next node; FALSE at the end or on an error (then book->error is set). */
static gboolean
next_node (Book             *book,
           xmlTextReaderPtr  reader,
           const char       *part_name)
{
  int rc = xmlTextReaderRead (reader);

  if (rc == 1)
    return TRUE;
  if (rc < 0 && book->error == NULL)
    {
      g_autofree char *what = g_strdup_printf (_("%s is not well-formed XML"), part_name);

      damaged (&book->error, what);
    }
  return FALSE;
}

static gboolean
is_element (xmlTextReaderPtr  reader,
            const char       *name)
{
  return xmlTextReaderNodeType (reader) == XML_READER_TYPE_ELEMENT &&
         g_strcmp0 ((const char *) xmlTextReaderConstLocalName (reader), name) == 0;
}

static gboolean
is_end (xmlTextReaderPtr  reader,
        const char       *name)
{
  return xmlTextReaderNodeType (reader) == XML_READER_TYPE_END_ELEMENT &&
         g_strcmp0 ((const char *) xmlTextReaderConstLocalName (reader), name) == 0;
}

static char *
attribute (xmlTextReaderPtr  reader,
           const char       *name)
{
  xmlChar *value = xmlTextReaderGetAttribute (reader, (const xmlChar *) name);
  char *copy = value != NULL ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return copy;
}

/* The text of the <t> elements inside the element the reader is on (a shared string's
 * <si>, an inline string's <is>), runs joined, phonetic hints (<rPh>) left out. */
static char *
rich_text (Book             *book,
           xmlTextReaderPtr  reader,
           const char       *part_name)
{
  g_autoptr(GString) text = g_string_new (NULL);
  int depth = xmlTextReaderDepth (reader);

  if (xmlTextReaderIsEmptyElement (reader))
    return g_strdup ("");
  while (next_node (book, reader, part_name) && xmlTextReaderDepth (reader) > depth)
    {
      if (is_element (reader, "rPh"))
        {
          if (xmlTextReaderNext (reader) != 1)
            break;
          /* Next lands on the sibling: look at it again */
          if (xmlTextReaderDepth (reader) <= depth)
            break;
        }
      if (is_element (reader, "t") && !xmlTextReaderIsEmptyElement (reader))
        {
          xmlChar *value = xmlTextReaderReadString (reader);

          if (value != NULL)
            g_string_append (text, (const char *) value);
          xmlFree (value);
        }
      if (text->len > MAX_CELL_BYTES)
        {
          g_set_error (&book->error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                       _("A cell of the XLSX file is longer than %u KB; is this the right "
                         "table?"), MAX_CELL_BYTES / 1024);
          return NULL;
        }
    }
  return book->error != NULL ? NULL : g_string_free (g_steal_pointer (&text), FALSE);
}

/* --- shared strings, styles, the workbook -------------------------------------------- */

static void
read_shared_strings (Book     *book,
                     GsfInput *input)
{
  Part part = { book, input };
  xmlTextReaderPtr reader = part_reader (&part);

  if (reader == NULL)
    {
      damaged (&book->error, _("its shared strings cannot be read"));
      return;
    }
  while (next_node (book, reader, "sharedStrings.xml"))
    if (is_element (reader, "si"))
      {
        char *text = rich_text (book, reader, "sharedStrings.xml");

        if (text == NULL)
          break;
        if (book->strings->len >= MAX_SHARED_STRINGS)
          {
            g_free (text);
            g_set_error (&book->error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                         _("The XLSX file holds more than %u different texts; split the "
                           "table and import the parts"), MAX_SHARED_STRINGS);
            break;
          }
        g_ptr_array_add (book->strings, text);
      }
  xmlFreeTextReader (reader);
}

/* Whether a number format shows a date or a time: a day, month, year, hour or second
 * outside quoted text, escapes and [colours]. */
static gboolean
format_is_date (const char *code)
{
  gboolean quoted = FALSE, bracket = FALSE;

  for (const char *p = code; *p != '\0'; p++)
    {
      char c = g_ascii_tolower (*p);

      if (quoted)
        quoted = c != '"';
      else if (bracket)
        bracket = c != ']';
      else if (c == '"')
        quoted = TRUE;
      else if (c == '[')
        bracket = TRUE;
      else if (c == '\\' || c == '_' || c == '*')
        {
          if (p[1] == '\0')
            break;
          p++;
        }
      else if (c == ';')
        break;          /* the positive section decides */
      else if (strchr ("dmyhs", c) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
builtin_date_format (guint id)
{
  return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

static void
read_styles (Book     *book,
             GsfInput *input)
{
  Part part = { book, input };
  xmlTextReaderPtr reader = part_reader (&part);
  g_autoptr(GHashTable) custom = g_hash_table_new (g_direct_hash, g_direct_equal);
  gboolean in_cell_xfs = FALSE;

  if (reader == NULL)
    {
      damaged (&book->error, _("its styles cannot be read"));
      return;
    }
  while (next_node (book, reader, "styles.xml"))
    {
      if (is_element (reader, "numFmt"))
        {
          g_autofree char *id = attribute (reader, "numFmtId");
          g_autofree char *code = attribute (reader, "formatCode");

          if (id != NULL && code != NULL && format_is_date (code))
            g_hash_table_add (custom, GUINT_TO_POINTER ((guint) g_ascii_strtoull (id, NULL, 10)));
        }
      else if (is_element (reader, "cellXfs"))
        in_cell_xfs = !xmlTextReaderIsEmptyElement (reader);
      else if (is_end (reader, "cellXfs"))
        in_cell_xfs = FALSE;
      else if (in_cell_xfs && is_element (reader, "xf") && book->date_styles->len < 65536)
        {
          g_autofree char *id_text = attribute (reader, "numFmtId");
          guint id = id_text != NULL ? (guint) g_ascii_strtoull (id_text, NULL, 10) : 0;
          gboolean date = builtin_date_format (id) ||
                          g_hash_table_contains (custom, GUINT_TO_POINTER (id));

          g_array_append_val (book->date_styles, date);
        }
    }
  xmlFreeTextReader (reader);
}

/* The relationship id of the workbook's first sheet, and whether it counts days from
 * 1904. */
static char *
read_workbook (Book     *book,
               GsfInput *input)
{
  Part part = { book, input };
  xmlTextReaderPtr reader = part_reader (&part);
  char *first = NULL;

  if (reader == NULL)
    {
      damaged (&book->error, _("its workbook cannot be read"));
      return NULL;
    }
  while (next_node (book, reader, "workbook.xml"))
    {
      if (is_element (reader, "workbookPr"))
        {
          g_autofree char *date1904 = attribute (reader, "date1904");

          book->date1904 = g_strcmp0 (date1904, "1") == 0 || g_strcmp0 (date1904, "true") == 0;
        }
      else if (first == NULL && is_element (reader, "sheet"))
        {
          xmlChar *id = xmlTextReaderGetAttributeNs (reader, (const xmlChar *) "id",
                                                     (const xmlChar *) NS_RELATIONSHIPS);

          first = g_strdup ((const char *) id);
          xmlFree (id);
        }
    }
  xmlFreeTextReader (reader);
  if (book->error != NULL)
    g_clear_pointer (&first, g_free);
  return first;
}

/* --- the sheet ----------------------------------------------------------------------- */

/* "B12" → column 1 (0-based); -1 when @ref names none. */
static gint
column_of (const char *ref)
{
  gint column = 0;
  const char *p = ref;

  for (; g_ascii_isalpha (*p); p++)
    {
      column = column * 26 + (g_ascii_toupper (*p) - 'A' + 1);
      if (column > 16384)
        return -1;
    }
  return p == ref ? -1 : column - 1;
}

/* A day serial (days since 1899-12-30, or since 1904-01-01) as ISO 8601. */
static char *
serial_to_iso (Book   *book,
               double  serial)
{
  g_autoptr(GDateTime) base = NULL;
  g_autoptr(GDateTime) when = NULL;
  gint64 seconds;

  if (!isfinite (serial) || serial < 0 || serial > 2958465.0)    /* 9999-12-31 */
    return NULL;
  seconds = (gint64) llround (serial * 86400.0);
  base = book->date1904 ? g_date_time_new_utc (1904, 1, 1, 0, 0, 0)
         /* Excel's serials count 1900-02-29, which never was: 1899-12-31 below 61 */
         : serial < 61 ? g_date_time_new_utc (1899, 12, 31, 0, 0, 0)
                       : g_date_time_new_utc (1899, 12, 30, 0, 0, 0);
  when = g_date_time_add_seconds (base, (gdouble) seconds);
  if (when == NULL)
    return NULL;
  if (seconds % 86400 == 0)
    return g_date_time_format (when, "%Y-%m-%d");
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%S");
}

/* A number as the sheet wrote it, except exponents people do not write (a phone number
 * saved as 7.9161234567E+10). */
static char *
number_text (const char *text)
{
  char *end = NULL;
  double value;

  if (strpbrk (text, "eE") == NULL)
    return g_strdup (text);
  value = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (value))
    return g_strdup (text);
  if (value == floor (value) && fabs (value) < 1e15)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.15g", value);
}

typedef struct {
  char *type;     /* the t attribute */
  guint style;
  char *value;    /* <v> */
  char *inline_text;
} Cell;

static char *
cell_text (Book  *book,
           Cell  *cell,
           guint  row)
{
  const char *type = cell->type != NULL ? cell->type : "n";

  if (g_str_equal (type, "inlineStr"))
    return g_strdup (cell->inline_text != NULL ? cell->inline_text : "");
  if (cell->value == NULL)
    return NULL;
  if (g_str_equal (type, "s"))
    {
      char *end = NULL;
      guint64 index = g_ascii_strtoull (cell->value, &end, 10);

      if (end == cell->value || *end != '\0' || index >= book->strings->len)
        {
          g_autofree char *what = g_strdup_printf (_("row %u names a text it does not hold"), row);

          damaged (&book->error, what);
          return NULL;
        }
      return g_strdup (book->strings->pdata[index]);
    }
  if (g_str_equal (type, "b"))
    return g_strdup (g_str_equal (cell->value, "1") ? "true" : "false");
  if (g_str_equal (type, "n"))
    {
      if (cell->style < book->date_styles->len &&
          g_array_index (book->date_styles, gboolean, cell->style))
        {
          char *end = NULL;
          double serial = g_ascii_strtod (cell->value, &end);
          char *iso = end != cell->value && *end == '\0' ? serial_to_iso (book, serial) : NULL;

          if (iso != NULL)
            return iso;
        }
      return number_text (cell->value);
    }
  return g_strdup (cell->value);   /* "str" (a formula's text), "e" (#N/A…), "d" (ISO) */
}

static void
cell_clear (Cell *cell)
{
  g_clear_pointer (&cell->type, g_free);
  g_clear_pointer (&cell->value, g_free);
  g_clear_pointer (&cell->inline_text, g_free);
  cell->style = 0;
}

/* Ends a row: kept when a cell holds text. */
static void
finish_row (Book      *book,
            GPtrArray *cells,
            guint      number,
            GPtrArray *rows)
{
  gboolean any = FALSE;

  for (guint i = 0; i < cells->len; i++)
    {
      if (cells->pdata[i] == NULL)
        cells->pdata[i] = g_strdup ("");
      else if (*g_strstrip ((char *) cells->pdata[i]) != '\0')
        any = TRUE;
    }
  if (any)
    {
      g_ptr_array_add (cells, NULL);
      g_ptr_array_add (rows, crm_import_row_new ((GStrv) g_ptr_array_steal (cells, NULL), number));
      if (rows->len > CRM_IMPORT_MAX_ROWS + 1)
        g_set_error (&book->error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                     _("The file has more than %u rows; split it and import the parts"),
                     CRM_IMPORT_MAX_ROWS);
    }
  else
    g_ptr_array_set_size (cells, 0);
}

static guint
filled_cells (CrmImportRow *row)
{
  guint n = 0;

  for (guint i = 0; row->cells[i] != NULL; i++)
    n += row->cells[i][0] != '\0';
  return n;
}

static GPtrArray *
read_sheet (Book     *book,
            GsfInput *input)
{
  Part part = { book, input };
  xmlTextReaderPtr reader = part_reader (&part);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) crm_import_row_free);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  Cell cell = { 0 };
  guint row = 0;
  gint column = -1;
  gboolean in_row = FALSE, in_cell = FALSE;

  if (reader == NULL)
    {
      damaged (&book->error, _("its sheet cannot be read"));
      return NULL;
    }
  while (book->error == NULL && next_node (book, reader, "sheet1.xml"))
    {
      if (is_element (reader, "row"))
        {
          g_autofree char *r = attribute (reader, "r");
          guint64 number = r != NULL ? g_ascii_strtoull (r, NULL, 10) : 0;

          row = number > 0 && number <= G_MAXUINT ? (guint) number : row + 1;
          column = -1;
          g_ptr_array_set_size (cells, 0);
          in_row = !xmlTextReaderIsEmptyElement (reader);
          if (row % 1000 == 0 && g_cancellable_set_error_if_cancelled (book->cancellable, &book->error))
            break;
        }
      else if (is_end (reader, "row"))
        {
          finish_row (book, cells, row, rows);
          in_row = FALSE;
        }
      else if (in_row && is_element (reader, "c"))
        {
          g_autofree char *r = attribute (reader, "r");
          g_autofree char *s = attribute (reader, "s");
          gint at = r != NULL ? column_of (r) : -1;

          cell_clear (&cell);
          column = at >= 0 ? at : column + 1;
          cell.type = attribute (reader, "t");
          cell.style = s != NULL ? (guint) MIN (g_ascii_strtoull (s, NULL, 10), G_MAXUINT) : 0;
          in_cell = !xmlTextReaderIsEmptyElement (reader);
        }
      else if (in_cell && is_element (reader, "v") && !xmlTextReaderIsEmptyElement (reader))
        {
          xmlChar *value = xmlTextReaderReadString (reader);

          g_free (cell.value);
          cell.value = g_strdup (value != NULL ? (const char *) value : "");
          xmlFree (value);
        }
      else if (in_cell && is_element (reader, "is"))
        {
          g_free (cell.inline_text);
          cell.inline_text = rich_text (book, reader, "sheet1.xml");
          if (cell.inline_text == NULL)
            break;
          continue;     /* rich_text() stopped on </is> */
        }
      if (in_cell && is_end (reader, "c"))
        {
          char *text = cell_text (book, &cell, row);

          in_cell = FALSE;
          if (text == NULL)
            continue;
          if (column >= CRM_XLSX_MAX_COLUMNS)
            {
              if (*g_strstrip (text) != '\0')
                g_set_error (&book->error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                             _("Row %u has a value beyond column %u; import a table of at "
                               "most %u columns"), row, CRM_XLSX_MAX_COLUMNS,
                             CRM_XLSX_MAX_COLUMNS);
              g_free (text);
              continue;
            }
          if ((guint) column >= cells->len)
            g_ptr_array_set_size (cells, column + 1);
          g_free (cells->pdata[column]);
          cells->pdata[column] = text;
        }
    }
  cell_clear (&cell);
  xmlFreeTextReader (reader);
  if (book->error != NULL)
    return NULL;
  /* a title above the table (as `export` and many people write one): one cell, then the
   * header of several */
  while (rows->len >= 2 && filled_cells (rows->pdata[0]) == 1 && filled_cells (rows->pdata[1]) > 1)
    g_ptr_array_remove_index (rows, 0);
  return g_steal_pointer (&rows);
}

/* --- the file ------------------------------------------------------------------------ */

GPtrArray *
crm_xlsx_read_rows (const char    *data,
                    gsize          length,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GsfInput) memory = NULL;
  g_autoptr(GsfInfile) zip = NULL;
  g_autoptr(GsfInput) workbook = NULL;
  g_autoptr(GsfInput) strings = NULL;
  g_autoptr(GsfInput) styles = NULL;
  g_autoptr(GsfInput) sheet = NULL;
  g_autoptr(GError) gsf_error = NULL;
  g_autofree char *sheet_id = NULL;
  GPtrArray *rows = NULL;
  Book book = { 0 };
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      gsf_init ();
      g_once_init_leave (&initialized, 1);
    }
  if (!crm_xlsx_is_zip (data, length))
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("This is not an XLSX file (an XLSX file is a zip archive); save the "
                     "table as XLSX or CSV and import that"));
      return NULL;
    }
  if (length > CRM_IMPORT_MAX_BYTES)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_TOO_LARGE,
                   _("The file is larger than %u MB; split it and import the parts"),
                   (guint) (CRM_IMPORT_MAX_BYTES / 1048576));
      return NULL;
    }
  memory = gsf_input_memory_new ((const guint8 *) data, (gsf_off_t) length, FALSE);
  zip = gsf_infile_zip_new (memory, &gsf_error);
  if (zip == NULL)
    {
      damaged (error, _("its zip directory is missing"));
      return NULL;
    }
  workbook = gsf_open_pkg_open_rel_by_type (GSF_INPUT (zip), REL_OFFICE_DOCUMENT, NULL);
  if (workbook == NULL)
    {
      g_set_error (error, CRM_STORE_ERROR, CRM_STORE_ERROR_INVALID_INPUT,
                   _("This zip file holds no spreadsheet (no workbook): import an XLSX "
                     "table or a CSV file"));
      return NULL;
    }

  book.strings = g_ptr_array_new_with_free_func (g_free);
  book.date_styles = g_array_new (FALSE, FALSE, sizeof (gboolean));
  book.cancellable = cancellable;
  sheet_id = read_workbook (&book, workbook);
  if (book.error != NULL)
    goto out;
  if (sheet_id != NULL)
    sheet = gsf_open_pkg_open_rel_by_id (workbook, sheet_id, NULL);
  if (sheet == NULL)
    sheet = gsf_open_pkg_open_rel_by_type (workbook, REL_WORKSHEET, NULL);
  if (sheet == NULL)
    {
      damaged (&book.error, _("it has no worksheet"));
      goto out;
    }
  if ((strings = gsf_open_pkg_open_rel_by_type (workbook, REL_SHARED_STRINGS, NULL)) != NULL)
    read_shared_strings (&book, strings);
  if (book.error == NULL &&
      (styles = gsf_open_pkg_open_rel_by_type (workbook, REL_STYLES, NULL)) != NULL)
    read_styles (&book, styles);
  if (book.error == NULL)
    rows = read_sheet (&book, sheet);

out:
  g_ptr_array_unref (book.strings);
  g_array_unref (book.date_styles);
  if (book.error != NULL)
    {
      g_clear_pointer (&rows, g_ptr_array_unref);
      g_propagate_error (error, book.error);
    }
  return rows;
}

gboolean
crm_import_xlsx (CrmStore               *store,
                 const CrmImportOptions *options,
                 const char             *data,
                 gsize                   length,
                 JsonNode              **out_report,
                 GError                **error)
{
  g_autoptr(GPtrArray) rows = NULL;

  g_return_val_if_fail (options != NULL, FALSE);

  *out_report = NULL;
  rows = crm_xlsx_read_rows (data, length, options->cancellable, error);
  if (rows == NULL)
    return FALSE;
  return crm_import_rows (store, options, rows, out_report, error);
}
